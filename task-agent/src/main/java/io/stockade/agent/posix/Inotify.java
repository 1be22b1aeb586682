package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A non-blocking inotify instance watching files for modification, e.g. cgroup v2 {@code
 * memory.events}, whose changes the kernel reports as file-modified events. Meant to be watched
 * with {@link Epoll}.
 */
public final class Inotify implements AutoCloseable {
    private static final int IN_NONBLOCK = 0x800;
    private static final int IN_CLOEXEC = 0x80000;

    /** File was modified. */
    public static final int IN_MODIFY = 0x2;

    /** Watch was removed (file deleted, e.g. its cgroup removed, or explicitly). */
    private static final int IN_IGNORED = 0x8000;

    private static final int EVENT_HEADER = 16;

    private final Fd fd;

    private Inotify(Fd fd) {
        this.fd = fd;
    }

    public static Inotify open(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int value = (int) Libc.INOTIFY_INIT1.invokeExact(errno, IN_NONBLOCK | IN_CLOEXEC);
            if (value < 0) {
                throw new ErrnoException("inotify_init1", name, Libc.errno(errno));
            }
            return new Inotify(new Fd(value, name));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public Fd fd() {
        return fd;
    }

    /**
     * Watches {@code file} for modification; returns the watch descriptor that {@link #drain}
     * reports.
     */
    public int watchModify(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int wd =
                    (int)
                            Libc.INOTIFY_ADD_WATCH.invokeExact(
                                    errno,
                                    fd.value(),
                                    arena.allocateFrom(file.toString()),
                                    IN_MODIFY);
            if (wd < 0) {
                throw new ErrnoException("inotify_add_watch", file.toString(), Libc.errno(errno));
            }
            return wd;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Removes a watch; one that the kernel already dropped (file gone) is ignored. */
    public void unwatch(int wd) {
        try (Arena arena = Arena.ofConfined()) {
            int ignored =
                    (int) Libc.INOTIFY_RM_WATCH.invokeExact(Libc.errnoSlot(arena), fd.value(), wd);
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Reads every pending event; returns the watch descriptors that saw a modification, in order,
     * once each.
     */
    public Set<Integer> drain() {
        Set<Integer> modified = new LinkedHashSet<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096, 8);
            while (true) {
                int n;
                try {
                    n = fd.read(buffer);
                } catch (ErrnoException e) {
                    if (e.errno() == Libc.EAGAIN) {
                        return modified;
                    }
                    throw e;
                }
                if (n <= 0) {
                    return modified;
                }
                int offset = 0;
                while (offset + EVENT_HEADER <= n) {
                    int wd = buffer.get(JAVA_INT, offset);
                    int mask = buffer.get(JAVA_INT, offset + 4);
                    int nameLength = buffer.get(JAVA_INT, offset + 12);
                    if ((mask & IN_MODIFY) != 0 && (mask & IN_IGNORED) == 0) {
                        modified.add(wd);
                    }
                    offset += EVENT_HEADER + nameLength;
                }
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
