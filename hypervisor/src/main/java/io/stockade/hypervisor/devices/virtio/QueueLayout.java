package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.Optional;

/**
 * Where the driver placed one split virtqueue (VIRTIO 1.2 §2.7): its size and the guest addresses of the descriptor
 * table, the driver area (avail ring) and the device area (used ring). These are raw guest-supplied values; use
 * {@link #problem} before trusting them.
 */
public record QueueLayout(int size, long descriptorTable, long availRing, long usedRing) {

    /** The largest size a split virtqueue can have (§2.7). */
    public static final int MAX_SIZE = 32768;

    static final int DESCRIPTOR_BYTES = 16;
    static final int USED_ELEMENT_BYTES = 8;

    /**
     * Why this layout cannot be used, or empty if it can: the size must be a power of two no larger than
     * {@code maxSize}, and each area must be aligned as §2.7 requires and lie wholly inside one guest RAM region
     * (including the event-index fields, which Linux always allocates).
     */
    public Optional<String> problem(GuestMemory memory, int maxSize) {
        if (size <= 0 || Integer.bitCount(size) != 1 || size > Math.min(maxSize, MAX_SIZE)) {
            return Optional.of("queue size " + size + " is not a power of two in [1, " + Math.min(maxSize, MAX_SIZE)
                    + "]");
        }
        return area("descriptor table", descriptorTable, 16, descriptorTableBytes(), memory)
                .or(() -> area("driver area (avail ring)", availRing, 2, availRingBytes(), memory))
                .or(() -> area("device area (used ring)", usedRing, 4, usedRingBytes(), memory));
    }

    long descriptorTableBytes() {
        return (long) DESCRIPTOR_BYTES * size;
    }

    /** flags, idx, ring[size], used_event. */
    long availRingBytes() {
        return 4 + 2L * size + 2;
    }

    /** flags, idx, ring[size] of {id, len}, avail_event. */
    long usedRingBytes() {
        return 4 + (long) USED_ELEMENT_BYTES * size + 2;
    }

    private static Optional<String> area(String what, long address, int alignment, long bytes, GuestMemory memory) {
        if (address % alignment != 0) {
            return Optional.of(String.format("%s at 0x%x is not %d-byte aligned", what, address, alignment));
        }
        if (!memory.isValid(address, bytes)) {
            return Optional.of(String.format("%s [0x%x, +0x%x) is not inside guest RAM", what, address, bytes));
        }
        return Optional.empty();
    }
}
