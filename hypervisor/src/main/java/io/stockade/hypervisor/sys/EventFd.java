package io.stockade.hypervisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A non-blocking, close-on-exec eventfd: a 64-bit counter the kernel can watch (KVM irqfd, ioeventfd) or signal
 * (vhost). Writes add to the counter; a read returns the counter and resets it. Thread-safe.
 */
public final class EventFd implements AutoCloseable {
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;
    private static final MethodHandle EVENTFD = Native.withErrno("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final ThreadLocal<MemorySegment> BUFFER = Native.threadLocalBuffer(Long.BYTES);

    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EventFd(int fd) {
        this.fd = fd;
    }

    /** A new eventfd with counter zero. */
    public static EventFd create() {
        MemorySegment capture = Native.capture();
        int fd;
        try {
            fd = (int) EVENTFD.invokeExact(capture, 0, EFD_NONBLOCK | EFD_CLOEXEC);
        } catch (Throwable t) {
            throw Native.unexpected("eventfd", t);
        }
        if (fd < 0) {
            throw new LinuxException("eventfd", "", Native.errno(capture));
        }
        return new EventFd(fd);
    }

    public int fd() {
        return fd;
    }

    /** Adds {@code value} (1 .. 2^64-2) to the counter. */
    public void write(long value) {
        MemorySegment buffer = BUFFER.get();
        buffer.set(JAVA_LONG, 0, value);
        long n = FileDescriptors.write(fd, buffer, describe());
        if (n != Long.BYTES) {
            // Only a counter at its maximum makes a non-blocking eventfd refuse a write.
            throw new IllegalStateException(describe() + ": counter overflow, write of " + value + " refused");
        }
    }

    /** Returns the counter and resets it to zero; returns 0 if nothing was written since the last read. */
    public long read() {
        MemorySegment buffer = BUFFER.get();
        long n = FileDescriptors.read(fd, buffer, describe());
        return n == FileDescriptors.WOULD_BLOCK ? 0 : buffer.get(JAVA_LONG, 0);
    }

    /** Closes the fd; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, describe());
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    private String describe() {
        return "eventfd " + fd;
    }
}
