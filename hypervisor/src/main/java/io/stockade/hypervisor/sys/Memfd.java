package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** memfd_create and ftruncate: anonymous files that back guest RAM and can be handed to other processes. */
public final class Memfd {
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;

    private static final MethodHandle MEMFD_CREATE =
            Native.withErrno("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FTRUNCATE =
            Native.withErrno("ftruncate", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));

    private Memfd() {}

    /** memfd_create(2); the name shows up in /proc/PID/fd and /proc/PID/maps. */
    public static int create(String name, int flags) {
        MemorySegment capture = Native.capture();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) MEMFD_CREATE.invokeExact(capture, arena.allocateFrom(name), flags);
        } catch (Throwable t) {
            throw Native.unexpected("memfd_create", t);
        }
        if (fd < 0) {
            throw new LinuxException("memfd_create", name, Native.errno(capture));
        }
        return fd;
    }

    /** ftruncate(2): sets the file's size; new bytes read as zero. */
    public static void truncate(int fd, long size, String target) {
        MemorySegment capture = Native.capture();
        while (true) {
            int result;
            try {
                result = (int) FTRUNCATE.invokeExact(capture, fd, size);
            } catch (Throwable t) {
                throw Native.unexpected("ftruncate", t);
            }
            if (result == 0) {
                return;
            }
            if (Native.errno(capture) != Errno.EINTR.number()) {
                throw new LinuxException("ftruncate(0x" + Long.toHexString(size) + ")", target, Native.errno(capture));
            }
        }
    }
}
