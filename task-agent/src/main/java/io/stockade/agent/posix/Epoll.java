package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An epoll instance: one thread waits for any of many descriptors to become readable. Each
 * registered descriptor carries a caller-chosen token that {@link #await} reports. Registration may
 * happen from any thread while another waits.
 */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 0x001;

    /**
     * {@code struct epoll_event} is packed on x86_64: a 32-bit mask followed by 64 bits of user
     * data.
     */
    private static final long EVENT_SIZE = 12;

    private final Fd fd;

    private Epoll(Fd fd) {
        this.fd = fd;
    }

    /** A new epoll instance; {@code name} describes it in errors. */
    public static Epoll create(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int value = (int) Libc.EPOLL_CREATE1.invokeExact(errno, EPOLL_CLOEXEC);
            if (value < 0) {
                throw new ErrnoException("epoll_create1", name, Libc.errno(errno));
            }
            return new Epoll(new Fd(value, name));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** Watches {@code target} for readability, reporting {@code token} when it is. */
    public void add(Fd target, long token) {
        control(EPOLL_CTL_ADD, target, token);
    }

    /** Stops watching {@code target}; call before closing it. */
    public void remove(Fd target) {
        control(EPOLL_CTL_DEL, target, 0);
    }

    private void control(int op, Fd target, long token) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment event = arena.allocate(EVENT_SIZE, 4);
            event.set(JAVA_INT, 0, EPOLLIN);
            event.set(JAVA_LONG_UNALIGNED, 4, token);
            int rc = (int) Libc.EPOLL_CTL.invokeExact(errno, fd.value(), op, target.value(), event);
            if (rc != 0) {
                throw new ErrnoException(
                        "epoll_ctl",
                        (op == EPOLL_CTL_ADD ? "add " : "remove ") + target + " on " + fd,
                        Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Blocks until at least one descriptor is readable or {@code timeoutMillis} passed (-1: no
     * limit); writes the ready tokens into {@code tokens} and returns how many (0 on timeout or
     * EINTR).
     */
    public int await(long[] tokens, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment events = arena.allocate(EVENT_SIZE * tokens.length, 4);
            int n =
                    (int)
                            Libc.EPOLL_WAIT.invokeExact(
                                    errno, fd.value(), events, tokens.length, timeoutMillis);
            if (n < 0) {
                if (Libc.errno(errno) == Libc.EINTR) {
                    return 0;
                }
                throw new ErrnoException("epoll_wait", fd.toString(), Libc.errno(errno));
            }
            for (int i = 0; i < n; i++) {
                tokens[i] = events.get(JAVA_LONG_UNALIGNED, i * EVENT_SIZE + 4);
            }
            return n;
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
