package io.stockade.hypervisor.vhostuser;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload of SET_VRING_ADDR: where queue {@code index}'s descriptor table, used ring and avail ring are, as
 * frontend virtual addresses inside the regions of the last SET_MEM_TABLE (the backend translates them). No dirty
 * logging, so flags and log address are zero.
 */
public record VringAddresses(int index, long descriptorTable, long usedRing, long availRing) {
    static final int BYTES = 40;

    public VringAddresses {
        if (index < 0 || index > 0xff) {
            throw new IllegalArgumentException("vring index " + index + " is outside [0, 255]");
        }
    }

    byte[] encode() {
        return ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(0)
                .putLong(descriptorTable).putLong(usedRing).putLong(availRing).putLong(0).array();
    }
}
