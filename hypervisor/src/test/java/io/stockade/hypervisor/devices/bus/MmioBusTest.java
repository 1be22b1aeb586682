package io.stockade.hypervisor.devices.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MmioBusTest {

    @Test
    void routesByGuestPhysicalAddressAboveFourGiB() {
        MmioBus bus = new MmioBus();
        var low = new PioBusTest.RecordingDevice();
        var high = new PioBusTest.RecordingDevice();
        bus.register("virtio-mmio@0xd0000000", 0xd000_0000L, 0x1000, low);
        bus.register("high", 0x1_0000_0000L, 0x1000, high);

        assertTrue(bus.write(0xd000_0070L, new byte[] {1, 0, 0, 0}));
        assertTrue(bus.read(0x1_0000_0ff8L, new byte[8]));

        assertEquals(List.of("write 112=1"), low.accesses);
        assertEquals(List.of("read 4088/8"), high.accesses);
    }

    @Test
    void unownedAddressesReadAllOnes() {
        MmioBus bus = new MmioBus();
        byte[] data = new byte[4];
        assertFalse(bus.read(0xfee0_0000L, data));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, data);
        assertFalse(bus.read(0xffff_ffff_ffff_fff0L, data), "an address with the top bit set is simply unowned");
    }

    @Test
    void rangesThatWrapOrOverlapAreRejected() {
        MmioBus bus = new MmioBus();
        bus.register("a", 0x1000, 0x1000, new PioBusTest.RecordingDevice());
        assertThrows(IllegalArgumentException.class, () -> bus.register("b", 0x1fff, 2, new PioBusTest.RecordingDevice()));
        assertThrows(IllegalArgumentException.class,
                () -> bus.register("wrap", Long.MAX_VALUE - 1, 0x10, new PioBusTest.RecordingDevice()));
    }
}
