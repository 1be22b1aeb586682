package io.stockade.hypervisor.memory;

import java.util.Map;
import java.util.TreeMap;

/**
 * Hands out aligned ranges of a guest-physical window (for example the virtio-mmio window), first fit, and takes
 * them back for reuse when a device goes away. Thread-safe.
 */
public final class AddressAllocator {
    private final String name;
    private final AddressRange window;
    private final TreeMap<Long, AddressRange> allocated = new TreeMap<>();

    /**
     * @param name what the window is for, used in error messages, e.g. {@code "virtio-mmio"}
     */
    public AddressAllocator(String name, AddressRange window) {
        this.name = name;
        this.window = window;
    }

    public AddressRange window() {
        return window;
    }

    /**
     * The lowest free range of {@code size} bytes whose base is a multiple of {@code alignment}.
     *
     * @throws AllocationException if no such range is free
     */
    public synchronized AddressRange allocate(long size, long alignment) {
        if (size <= 0) {
            throw new IllegalArgumentException(name + ": allocation size must be positive, got " + size);
        }
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException(name + ": alignment must be a power of two, got 0x"
                    + Long.toHexString(alignment));
        }
        long candidate = alignUp(window.base(), alignment);
        for (AddressRange used : allocated.values()) {
            if (fits(candidate, size, used.base())) {
                return take(candidate, size);
            }
            candidate = Math.max(candidate, alignUp(used.end(), alignment));
        }
        if (fits(candidate, size, window.end())) {
            return take(candidate, size);
        }
        throw new AllocationException(name + " window " + window + " has no free range of 0x" + Long.toHexString(size)
                + " bytes aligned to 0x" + Long.toHexString(alignment) + " (" + allocated.size() + " ranges in use)");
    }

    /**
     * Takes a specific range, e.g. one a restored VM already uses.
     *
     * @throws AllocationException if it leaves the window or overlaps a range in use
     */
    public synchronized AddressRange reserve(AddressRange range) {
        if (range.base() < window.base() || range.end() > window.end()) {
            throw new AllocationException(name + ": range " + range + " is outside the window " + window);
        }
        Map.Entry<Long, AddressRange> below = allocated.floorEntry(range.end() - 1);
        if (below != null && below.getValue().end() > range.base()) {
            throw new AllocationException(name + ": range " + range + " overlaps " + below.getValue() + " in use");
        }
        allocated.put(range.base(), range);
        return range;
    }

    /**
     * Returns a range handed out by {@link #allocate} or {@link #reserve}.
     *
     * @throws AllocationException if that exact range is not allocated
     */
    public synchronized void free(AddressRange range) {
        AddressRange current = allocated.get(range.base());
        if (!range.equals(current)) {
            throw new AllocationException(name + ": range " + range + " is not allocated");
        }
        allocated.remove(range.base());
    }

    private static boolean fits(long base, long size, long limit) {
        return base <= limit && size <= limit - base;
    }

    private AddressRange take(long base, long size) {
        AddressRange range = new AddressRange(base, size);
        allocated.put(base, range);
        return range;
    }

    // Saturates instead of wrapping so that a window near the top of the address space fails cleanly.
    private static long alignUp(long value, long alignment) {
        long mask = alignment - 1;
        return value > Long.MAX_VALUE - mask ? Long.MAX_VALUE : (value + mask) & ~mask;
    }
}
