package io.stockade.hypervisor.memory;

/**
 * Where one range of guest RAM sits in guest-physical address space, before any memory backs it. The layout
 * (which ranges, around which holes) is the architecture's choice; this record only guarantees that a range is
 * page-aligned, non-empty and does not run past the top of the (signed 64-bit) address space.
 */
public record RegionSpec(long guestAddress, long size) {
    /** The page size guest RAM is carved in; KVM memory slots need page-aligned addresses and sizes. */
    public static final long PAGE_SIZE = 4096;

    public RegionSpec {
        validate(guestAddress, size);
    }

    static void validate(long guestAddress, long size) {
        if (guestAddress < 0 || guestAddress % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest RAM region address 0x" + Long.toHexString(guestAddress)
                    + " must be non-negative and a multiple of 0x" + Long.toHexString(PAGE_SIZE));
        }
        if (size <= 0 || size % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest RAM region at 0x" + Long.toHexString(guestAddress)
                    + " has size 0x" + Long.toHexString(size) + "; it must be positive and a multiple of 0x"
                    + Long.toHexString(PAGE_SIZE));
        }
        if (guestAddress > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("guest RAM region at 0x" + Long.toHexString(guestAddress)
                    + " with size 0x" + Long.toHexString(size) + " runs past the end of the address space");
        }
    }

    /** The first guest address after the region. */
    public long end() {
        return guestAddress + size;
    }
}
