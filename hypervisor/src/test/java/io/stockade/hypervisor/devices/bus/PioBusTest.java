package io.stockade.hypervisor.devices.bus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PioBusTest {

    /** Records accesses and answers reads with the offset it was asked for. */
    static final class RecordingDevice implements BusDevice {
        final List<String> accesses = new ArrayList<>();

        @Override
        public void read(long offset, byte[] data) {
            accesses.add("read " + offset + "/" + data.length);
            data[0] = (byte) offset;
        }

        @Override
        public void write(long offset, byte[] data) {
            accesses.add("write " + offset + "=" + (data[0] & 0xff));
        }
    }

    @Test
    void routesAccessesToTheOwningDeviceWithTheOffsetInsideItsRange() {
        PioBus bus = new PioBus();
        RecordingDevice serial = new RecordingDevice();
        RecordingDevice timer = new RecordingDevice();
        bus.register("serial", 0x3f8, 8, serial);
        bus.register("timer", 0x440, 1, timer);

        byte[] data = new byte[1];
        assertTrue(bus.read(0x3fd, data));
        assertEquals(5, data[0]);
        assertTrue(bus.write(0x440, new byte[] {123}));

        assertEquals(List.of("read 5/1"), serial.accesses);
        assertEquals(List.of("write 0=123"), timer.accesses);
    }

    @Test
    void unknownPortReadsAllOnesAndWritesAreDroppedAndCounted() {
        PioBus bus = new PioBus();
        bus.register("serial", 0x3f8, 8, new RecordingDevice());

        byte[] data = {1, 2, 3, 4};
        assertFalse(bus.read(0x2f8, data));
        assertArrayEquals(new byte[] {-1, -1, -1, -1}, data);
        assertFalse(bus.write(0x2f8, new byte[] {7}));
        assertFalse(bus.write(0x3e8, new byte[] {7}));

        assertEquals(Map.of(0x2f8L, 2L, 0x3e8L, 1L), bus.unhandledAccesses());
    }

    @Test
    void anAccessRunningPastTheEndOfARangeIsNotRoutedToThatDevice() {
        PioBus bus = new PioBus();
        RecordingDevice device = new RecordingDevice();
        bus.register("one-byte", 0x80, 1, device);

        assertFalse(bus.read(0x80, new byte[2]));
        assertTrue(device.accesses.isEmpty());
    }

    @Test
    void overlappingRegistrationIsRejectedNamingBothDevices() {
        PioBus bus = new PioBus();
        bus.register("serial", 0x3f8, 8, new RecordingDevice());

        var below = assertThrows(IllegalArgumentException.class,
                () -> bus.register("wide", 0x3f0, 9, new RecordingDevice()));
        var inside = assertThrows(IllegalArgumentException.class,
                () -> bus.register("inner", 0x3ff, 1, new RecordingDevice()));
        assertTrue(below.getMessage().contains("wide") && below.getMessage().contains("serial"), below.getMessage());
        assertTrue(inside.getMessage().contains("0x3f8"), inside.getMessage());

        bus.register("adjacent-below", 0x3f0, 8, new RecordingDevice());
        bus.register("adjacent-above", 0x400, 1, new RecordingDevice());
    }

    @Test
    void rangesOutsideThePortSpaceOrEmptyAreRejected() {
        PioBus bus = new PioBus();
        assertThrows(IllegalArgumentException.class, () -> bus.register("empty", 0x10, 0, new RecordingDevice()));
        var tooHigh = assertThrows(IllegalArgumentException.class,
                () -> bus.register("high", 0xfffe, 4, new RecordingDevice()));
        assertTrue(tooHigh.getMessage().contains("0xfffe"), tooHigh.getMessage());
    }

    @Test
    void aFailingDeviceIsReportedWithBusDeviceAndAddress() {
        PioBus bus = new PioBus();
        bus.register("broken", 0x500, 4, new BusDevice() {
            @Override
            public void read(long offset, byte[] data) {
                throw new IllegalStateException("boom");
            }

            @Override
            public void write(long offset, byte[] data) { }
        });

        var e = assertThrows(DeviceFailedException.class, () -> bus.read(0x502, new byte[1]));
        assertTrue(e.getMessage().contains("PIO device broken") && e.getMessage().contains("0x502"), e.getMessage());
    }
}
