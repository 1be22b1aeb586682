package io.stockade.hypervisor.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class VringAddressesTest {

    @Test
    void encodesIndexFlagsThenDescriptorUsedAvailAndLogAddresses() {
        ByteBuffer b = ByteBuffer.wrap(new VringAddresses(1, 0x1000, 0x3000, 0x2000).encode())
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(40, b.remaining());
        assertEquals(1, b.getInt());
        assertEquals(0, b.getInt());
        assertEquals(0x1000, b.getLong());
        assertEquals(0x3000, b.getLong());
        assertEquals(0x2000, b.getLong());
        assertEquals(0, b.getLong());
    }

    @Test
    void indexMustFitTheProtocolsEightBits() {
        assertThrows(IllegalArgumentException.class, () -> new VringAddresses(256, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new VringAddresses(-1, 0, 0, 0));
    }
}
