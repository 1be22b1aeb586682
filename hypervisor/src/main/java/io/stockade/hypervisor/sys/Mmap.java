package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * mmap/munmap/madvise. A mapping is returned as a segment bound to a caller's arena: closing the arena makes
 * the segment unusable first and then unmaps it, so a stale segment can never touch unmapped memory.
 */
public final class Mmap {
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTNEED = 4;
    public static final int MADV_DONTFORK = 10;
    public static final int MADV_MERGEABLE = 12;
    public static final int MADV_DONTDUMP = 16;

    private static final long MAP_FAILED = -1L;

    private static final MethodHandle MMAP = Native.withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP =
            Native.withErrno("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE =
            Native.withErrno("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    private Mmap() {}

    /**
     * Maps {@code size} bytes of {@code fd} from {@code offset} read/write.
     *
     * @param arena  the mapping lives until this arena closes; use a shared or global arena if several threads touch it
     * @param target what is mapped, for error messages, e.g. {@code "memfd guest-ram fd 9"}
     */
    public static MemorySegment map(int fd, long offset, long size, int flags, Arena arena, String target) {
        return doMap(fd, offset, size, flags, arena, target);
    }

    /** An anonymous private read/write mapping of {@code size} bytes, zero-filled. */
    public static MemorySegment mapAnonymous(long size, Arena arena) {
        return doMap(-1, 0, size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, arena, "anonymous memory");
    }

    /** madvise(2) over the whole segment, which must start on a page boundary. */
    public static void madvise(MemorySegment segment, int advice) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) MADVISE.invokeExact(capture, segment, segment.byteSize(), advice);
        } catch (Throwable t) {
            throw Native.unexpected("madvise", t);
        }
        if (result < 0) {
            throw new LinuxException("madvise(" + advice + ")",
                    "0x" + Long.toHexString(segment.address()) + "+0x" + Long.toHexString(segment.byteSize()),
                    Native.errno(capture));
        }
    }

    private static MemorySegment doMap(int fd, long offset, long size, int flags, Arena arena, String target) {
        if (size <= 0) {
            throw new IllegalArgumentException("mapping of " + target + " needs a positive size, got " + size);
        }
        MemorySegment capture = Native.capture();
        MemorySegment address;
        try {
            address = (MemorySegment) MMAP.invokeExact(capture, MemorySegment.NULL, size, PROT_READ | PROT_WRITE, flags,
                    fd, offset);
        } catch (Throwable t) {
            throw Native.unexpected("mmap", t);
        }
        if (address.address() == MAP_FAILED) {
            throw new LinuxException("mmap(0x" + Long.toHexString(size) + " bytes)", target, Native.errno(capture));
        }
        long base = address.address();
        return address.reinterpret(size, arena, unused -> unmap(base, size));
    }

    // Runs as an arena cleanup, when no segment can reach the memory any more; munmap only fails on bad arguments.
    private static void unmap(long base, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(Native.capture(), MemorySegment.ofAddress(base), size);
        } catch (Throwable t) {
            throw Native.unexpected("munmap", t);
        }
    }
}
