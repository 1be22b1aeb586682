package io.stockade.hypervisor.devices.virtio.vsock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A fixed-capacity FIFO of bytes in native memory, allocated on first use: the guest data a connection has taken
 * off the TX queue but the host socket has not accepted yet. Native, so a socket write can take it without a copy.
 * Not thread-safe; {@link #close()} frees the memory.
 */
final class ByteRing implements AutoCloseable {

    private final int capacity;
    private Arena arena;
    private MemorySegment buffer;
    private int head;
    private int size;

    ByteRing(int capacity) {
        this.capacity = capacity;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    /**
     * Appends all of {@code src}.
     *
     * @throws IllegalStateException if it does not fit (the caller's flow control failed)
     */
    void append(MemorySegment src) {
        long n = src.byteSize();
        if (n > capacity - size) {
            throw new IllegalStateException("appending " + n + " bytes to a ring holding " + size + " of " + capacity);
        }
        if (buffer == null) {
            arena = Arena.ofShared();
            buffer = arena.allocate(capacity);
        }
        int tail = (head + size) % capacity;
        int first = (int) Math.min(n, capacity - tail);
        MemorySegment.copy(src, 0, buffer, tail, first);
        MemorySegment.copy(src, first, buffer, 0, n - first);
        size += (int) n;
    }

    /** The oldest bytes that are contiguous in memory (empty when the ring is). */
    MemorySegment oldest() {
        if (size == 0) {
            return MemorySegment.NULL;
        }
        return buffer.asSlice(head, Math.min(size, capacity - head));
    }

    /** Drops the {@code n} oldest bytes. */
    void consume(long n) {
        if (n < 0 || n > size) {
            throw new IllegalArgumentException("cannot consume " + n + " of " + size + " bytes");
        }
        head = (int) ((head + n) % capacity);
        size -= (int) n;
    }

    @Override
    public void close() {
        if (arena != null) {
            arena.close();
            arena = null;
            buffer = null;
        }
        size = 0;
        head = 0;
    }
}
