package io.stockade.sandboxer.mount;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** mount(2) and umount2(2) through FFM, with errno captured right at the call. */
final class Syscalls {
    static final int EINVAL = 22;
    static final int ENOENT = 2;
    static final int MNT_DETACH = 2;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle MOUNT =
            handle(
                    "mount",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS),
                    CAPTURE_ERRNO);
    private static final MethodHandle UMOUNT2 =
            handle("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle STRERROR =
            handle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Syscalls() {}

    /** mount(2); {@code data} may be null. */
    static void mount(String source, String target, String type, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE_LAYOUT);
            // Locals, not conditional expressions: invokeExact sees a conditional's type as Object.
            MemorySegment typeArg = type == null ? MemorySegment.NULL : arena.allocateFrom(type);
            MemorySegment dataArg = data == null ? MemorySegment.NULL : arena.allocateFrom(data);
            int rc =
                    (int)
                            MOUNT.invokeExact(
                                    errno,
                                    arena.allocateFrom(source),
                                    arena.allocateFrom(target),
                                    typeArg,
                                    flags,
                                    dataArg);
            if (rc != 0) {
                int code = (int) ERRNO.get(errno, 0L);
                throw new MountException(
                        "mount("
                                + source
                                + " on "
                                + target
                                + ", type "
                                + type
                                + ", flags 0x"
                                + Long.toHexString(flags)
                                + (data == null ? "" : ", data '" + data + "'")
                                + ")",
                        code,
                        strerror(code));
            }
        } catch (MountException e) {
            throw e;
        } catch (Throwable t) {
            throw new RuntimeException("mount(2) downcall failed: " + t, t);
        }
    }

    /** umount2(2). */
    static void umount(String target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE_LAYOUT);
            int rc = (int) UMOUNT2.invokeExact(errno, arena.allocateFrom(target), flags);
            if (rc != 0) {
                int code = (int) ERRNO.get(errno, 0L);
                throw new MountException(
                        "umount2(" + target + ", " + flags + ")", code, strerror(code));
            }
        } catch (MountException e) {
            throw e;
        } catch (Throwable t) {
            throw new RuntimeException("umount2(2) downcall failed: " + t, t);
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static MethodHandle handle(
            String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(
                LINKER.defaultLookup()
                        .find(name)
                        .orElseThrow(() -> new IllegalStateException("libc has no " + name)),
                descriptor,
                options);
    }
}
