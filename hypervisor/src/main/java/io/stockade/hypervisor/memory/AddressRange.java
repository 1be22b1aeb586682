package io.stockade.hypervisor.memory;

/** A non-empty range {@code [base, base + size)} of guest-physical address space, e.g. one device's MMIO window. */
public record AddressRange(long base, long size) {
    public AddressRange {
        if (base < 0 || size <= 0 || base > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException("invalid address range base 0x" + Long.toHexString(base) + " size 0x"
                    + Long.toHexString(size));
        }
    }

    /** The first address after the range. */
    public long end() {
        return base + size;
    }

    /** Whether {@code address} lies in the range. */
    public boolean contains(long address) {
        return address >= base && address < end();
    }

    @Override
    public String toString() {
        return "[0x" + Long.toHexString(base) + ", 0x" + Long.toHexString(end()) + ")";
    }
}
