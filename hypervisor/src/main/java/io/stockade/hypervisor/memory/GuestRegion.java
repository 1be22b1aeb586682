package io.stockade.hypervisor.memory;

import java.lang.foreign.MemorySegment;

/**
 * One range of guest RAM and the host memory behind it: what a KVM memory slot is programmed with, and what a
 * vhost-user backend needs to map the same memory ({@code fd} at {@code fdOffset}; {@code fd} is -1 for heap memory).
 */
public record GuestRegion(long guestAddress, long size, MemorySegment hostSegment, int fd, long fdOffset) {
    public GuestRegion {
        RegionSpec.validate(guestAddress, size);
        if (hostSegment.byteSize() != size) {
            throw new IllegalArgumentException("host segment of 0x" + Long.toHexString(hostSegment.byteSize())
                    + " bytes does not match guest region size 0x" + Long.toHexString(size));
        }
        if (fd < -1 || fdOffset < 0) {
            throw new IllegalArgumentException("invalid backing fd " + fd + " / offset " + fdOffset);
        }
    }

    /** The first guest address after the region. */
    public long end() {
        return guestAddress + size;
    }

    /**
     * Whether {@code [gpa, gpa + length)} lies inside this region. A zero-length range still needs {@code gpa} to be
     * an address of the region. Written so that no sum can overflow: {@code gpa + length} may wrap for hostile input.
     */
    public boolean contains(long gpa, long length) {
        return length >= 0 && gpa >= guestAddress && gpa < end() && length <= end() - gpa;
    }
}
