package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * open/close/read/write on raw Linux file descriptors. Every failure is a {@link LinuxException} naming the
 * call and the object; EINTR is retried; EAGAIN on a non-blocking fd is reported as {@link #WOULD_BLOCK}.
 */
public final class FileDescriptors {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    /** What {@link #read} and {@link #write} return when a non-blocking fd is not ready (EAGAIN). */
    public static final long WOULD_BLOCK = -1;

    // open(2) is variadic, but calling it with only its two fixed arguments needs no variadic option.
    private static final MethodHandle OPEN = Native.withErrno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = Native.withErrno("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ =
            Native.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITE =
            Native.withErrno("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private FileDescriptors() {}

    /** open(2); returns the new fd. Callers normally include {@link #O_CLOEXEC}. */
    public static int open(String path, int flags) {
        MemorySegment capture = Native.capture();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(capture, arena.allocateFrom(path), flags);
        } catch (Throwable t) {
            throw Native.unexpected("open", t);
        }
        if (fd < 0) {
            throw new LinuxException("open", path, Native.errno(capture));
        }
        return fd;
    }

    /**
     * close(2). Not retried on EINTR: Linux releases the fd even then, and a retry could close someone else's.
     *
     * @param target what the fd is, for the error message, e.g. {@code "eventfd 7"}
     */
    public static void close(int fd, String target) {
        int result;
        MemorySegment capture = Native.capture();
        try {
            result = (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw Native.unexpected("close", t);
        }
        if (result < 0 && Native.errno(capture) != Errno.EINTR.number()) {
            throw new LinuxException("close", target, Native.errno(capture));
        }
    }

    /** read(2) into the whole segment; returns bytes read, 0 at end of file, or {@link #WOULD_BLOCK}. */
    public static long read(int fd, MemorySegment buffer, String target) {
        MemorySegment capture = Native.capture();
        while (true) {
            long n;
            try {
                n = (long) READ.invokeExact(capture, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw Native.unexpected("read", t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = Native.errno(capture);
            if (errno == Errno.EAGAIN.number()) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR.number()) {
                throw new LinuxException("read", target, errno);
            }
        }
    }

    /** write(2) of the whole segment; returns bytes written (possibly fewer) or {@link #WOULD_BLOCK}. */
    public static long write(int fd, MemorySegment buffer, String target) {
        MemorySegment capture = Native.capture();
        while (true) {
            long n;
            try {
                n = (long) WRITE.invokeExact(capture, fd, buffer, buffer.byteSize());
            } catch (Throwable t) {
                throw Native.unexpected("write", t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = Native.errno(capture);
            if (errno == Errno.EAGAIN.number()) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR.number()) {
                throw new LinuxException("write", target, errno);
            }
        }
    }
}
