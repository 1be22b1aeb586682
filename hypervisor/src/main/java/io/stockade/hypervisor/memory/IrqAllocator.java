package io.stockade.hypervisor.memory;

import java.util.BitSet;

/**
 * Hands out interrupt lines (GSIs) from a fixed range, lowest first, and takes them back for reuse. Thread-safe.
 */
public final class IrqAllocator {
    private final int first;
    private final int last;
    private final BitSet used = new BitSet();

    /** Lines {@code first..last}, both inclusive. */
    public IrqAllocator(int first, int last) {
        if (first < 0 || last < first) {
            throw new IllegalArgumentException("invalid interrupt line range " + first + ".." + last);
        }
        this.first = first;
        this.last = last;
    }

    /**
     * The lowest free line.
     *
     * @throws AllocationException when every line of the range is in use
     */
    public synchronized int allocate() {
        int index = used.nextClearBit(0);
        if (index > last - first) {
            throw new AllocationException("all interrupt lines " + first + ".." + last + " are in use");
        }
        used.set(index);
        return first + index;
    }

    /**
     * Takes a specific line, e.g. a legacy device's fixed IRQ.
     *
     * @throws AllocationException if it is out of range or in use
     */
    public synchronized int reserve(int irq) {
        checkRange(irq);
        if (used.get(irq - first)) {
            throw new AllocationException("interrupt line " + irq + " is already in use");
        }
        used.set(irq - first);
        return irq;
    }

    /**
     * Returns a line for reuse.
     *
     * @throws AllocationException if it is out of range or was not allocated
     */
    public synchronized void free(int irq) {
        checkRange(irq);
        if (!used.get(irq - first)) {
            throw new AllocationException("interrupt line " + irq + " is not allocated");
        }
        used.clear(irq - first);
    }

    private void checkRange(int irq) {
        if (irq < first || irq > last) {
            throw new AllocationException("interrupt line " + irq + " is outside " + first + ".." + last);
        }
    }
}
