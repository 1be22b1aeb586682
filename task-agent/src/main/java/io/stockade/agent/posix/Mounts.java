package io.stockade.agent.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/** {@code mount(2)} and {@code umount2(2)}. */
public final class Mounts {
    public static final long MS_RDONLY = 0x1;
    public static final long MS_NOSUID = 0x2;
    public static final long MS_NODEV = 0x4;
    public static final long MS_NOEXEC = 0x8;
    public static final long MS_REMOUNT = 0x20;
    public static final long MS_NOATIME = 0x400;
    public static final long MS_NODIRATIME = 0x800;
    public static final long MS_BIND = 0x1000;
    public static final long MS_REC = 0x4000;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;
    public static final long MS_RELATIME = 1L << 21;
    public static final long MS_STRICTATIME = 1L << 24;

    /** umount2 flag: detach now, clean up once no longer busy. */
    public static final int MNT_DETACH = 2;

    /** errno EBUSY. */
    public static final int EBUSY = 16;

    private Mounts() {}

    /**
     * Mounts {@code source} of type {@code fsType} on {@code target}.
     *
     * @param data filesystem-specific options (e.g. overlay's lowerdir=...), or null
     * @throws ErrnoException naming the source, type and target
     */
    public static void mount(String source, Path target, String fsType, long flags, String data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment type = fsType == null ? MemorySegment.NULL : arena.allocateFrom(fsType);
            MemorySegment options =
                    data == null || data.isEmpty() ? MemorySegment.NULL : arena.allocateFrom(data);
            int rc =
                    (int)
                            Libc.MOUNT.invokeExact(
                                    errno,
                                    arena.allocateFrom(source),
                                    arena.allocateFrom(target.toString()),
                                    type,
                                    flags,
                                    options);
            if (rc != 0) {
                throw new ErrnoException(
                        "mount", source + " (" + fsType + ") on " + target, Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Unmounts {@code target}.
     *
     * @throws ErrnoException naming the target, e.g. EBUSY while something still uses it
     */
    public static void unmount(Path target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc =
                    (int)
                            Libc.UMOUNT2.invokeExact(
                                    errno, arena.allocateFrom(target.toString()), flags);
            if (rc != 0) {
                throw new ErrnoException("umount2", target.toString(), Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
