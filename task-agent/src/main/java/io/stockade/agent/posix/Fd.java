package io.stockade.agent.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open file descriptor the agent owns, closed exactly once. Reads and writes block; one thread
 * at a time should use a descriptor, and that thread should be the one to close it (closing under a
 * blocked reader could let the number be reused by an unrelated file).
 */
public final class Fd implements AutoCloseable {
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final int value;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    Fd(int value, String name) {
        this.value = value;
        this.name = name;
    }

    /**
     * Opens {@code path} read-only with close-on-exec.
     *
     * @throws ErrnoException naming the path, e.g. ENOENT
     */
    public static Fd openReadOnly(Path path) {
        return open(path, Libc.O_RDONLY, path.toString());
    }

    static Fd open(Path path, int flags, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int fd =
                    (int)
                            Libc.OPEN.invokeExact(
                                    errno,
                                    arena.allocateFrom(path.toString()),
                                    flags | Libc.O_CLOEXEC,
                                    0);
            if (fd < 0) {
                throw new ErrnoException("open", path.toString(), Libc.errno(errno));
            }
            return new Fd(fd, name);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Wraps a descriptor the kernel just handed over (e.g. received over a socket); the new owner
     * closes it.
     */
    static Fd adopt(int value, String name) {
        return new Fd(value, name);
    }

    /**
     * A second descriptor for the same open file (close-on-exec), so two threads can each own one,
     * e.g. the reading and the writing side of a terminal.
     */
    public Fd duplicate(String newName) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int copy = (int) Libc.FCNTL_INT.invokeExact(errno, value, F_DUPFD_CLOEXEC, 0);
            if (copy < 0) {
                throw new ErrnoException("fcntl(F_DUPFD_CLOEXEC)", toString(), Libc.errno(errno));
            }
            return new Fd(copy, newName);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** The descriptor number, for handing to a child process. */
    public int value() {
        return value;
    }

    /** What this descriptor is for, as used in error messages. */
    public String name() {
        return name;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Reads up to {@code buffer.byteSize()} bytes into {@code buffer}; returns the count, 0 at end
     * of file.
     *
     * @throws ErrnoException when read(2) fails (EINTR is retried)
     */
    public int read(MemorySegment buffer) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            while (true) {
                long n = (long) Libc.READ.invokeExact(errno, value, buffer, buffer.byteSize());
                if (n >= 0) {
                    return (int) n;
                }
                if (Libc.errno(errno) != Libc.EINTR) {
                    throw new ErrnoException("read", "fd " + value + " " + name, Libc.errno(errno));
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Writes all of {@code data}, blocking while the reader is slow.
     *
     * @throws ErrnoException when write(2) fails, e.g. EPIPE when the reading side is gone
     */
    public void writeFully(MemorySegment data) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            long offset = 0;
            while (offset < data.byteSize()) {
                long n =
                        (long)
                                Libc.WRITE.invokeExact(
                                        errno,
                                        value,
                                        data.asSlice(offset),
                                        data.byteSize() - offset);
                if (n >= 0) {
                    offset += n;
                } else if (Libc.errno(errno) != Libc.EINTR) {
                    throw new ErrnoException(
                            "write", "fd " + value + " " + name, Libc.errno(errno));
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Closes the descriptor; later calls do nothing. Errors are not reported: the number is
     * released either way.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try (Arena arena = Arena.ofConfined()) {
                int ignored = (int) Libc.CLOSE.invokeExact(Libc.errnoSlot(arena), value);
            } catch (Throwable t) {
                throw Libc.rethrow(t);
            }
        }
    }

    @Override
    public String toString() {
        return "fd " + value + " (" + name + ")";
    }
}
