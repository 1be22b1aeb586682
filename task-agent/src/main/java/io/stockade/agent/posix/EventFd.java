package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A non-blocking {@code eventfd}: a kernel counter that becomes readable when something (the
 * kernel, e.g. a cgroup v1 memory controller, or another thread) adds to it. Meant to be watched
 * with {@link Epoll}.
 */
public final class EventFd implements AutoCloseable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;

    private final Fd fd;

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    /** Creates an eventfd; {@code name} describes it in errors, e.g. "oom events of c1". */
    public static EventFd open(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int value = (int) Libc.EVENTFD.invokeExact(errno, 0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (value < 0) {
                throw new ErrnoException("eventfd", name, Libc.errno(errno));
            }
            return new EventFd(new Fd(value, name));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    public Fd fd() {
        return fd;
    }

    /** Adds one to the counter (wakes a watcher). */
    public void signal() {
        try (Arena arena = Arena.ofConfined()) {
            fd.writeFully(arena.allocateFrom(JAVA_LONG, 1L));
        }
    }

    /**
     * Takes the counter's value and resets it to zero; 0 when nothing was signalled since the last
     * drain.
     */
    public long drain() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_LONG);
            try {
                return fd.read(value) == Long.BYTES ? value.get(JAVA_LONG, 0) : 0;
            } catch (ErrnoException e) {
                if (e.errno() == Libc.EAGAIN) {
                    return 0;
                }
                throw e;
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
