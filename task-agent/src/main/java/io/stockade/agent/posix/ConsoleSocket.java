package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The unix socket an OCI runtime's {@code --console-socket} names: the runtime connects and sends
 * the master side of the container's new pseudo-terminal as an SCM_RIGHTS message. One socket
 * receives one terminal.
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final short POLLIN = 0x1;

    /** {@code sizeof(sockaddr_un.sun_path)}, including the terminating NUL. */
    private static final int SUN_PATH_SIZE = 108;

    private static final int ETIMEDOUT = 110;
    private static final int EBADMSG = 74;

    private final Fd listener;
    private final Path path;

    private ConsoleSocket(Fd listener, Path path) {
        this.listener = listener;
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /**
     * Listens on {@code path} (which must not exist).
     *
     * @throws IllegalArgumentException when the path does not fit a unix socket address
     * @throws ErrnoException naming the path when the socket cannot be made
     */
    public static ConsoleSocket listen(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_SIZE) {
            throw new IllegalArgumentException(
                    "console socket path "
                            + path
                            + " is "
                            + name.length
                            + " bytes; a unix socket path must be shorter than "
                            + SUN_PATH_SIZE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int fd = (int) Libc.SOCKET.invokeExact(errno, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (fd < 0) {
                throw new ErrnoException("socket", "console socket " + path, Libc.errno(errno));
            }
            Fd listener = new Fd(fd, "console socket " + path);
            try {
                MemorySegment address = arena.allocate(2 + SUN_PATH_SIZE, 2);
                address.set(JAVA_SHORT, 0, (short) AF_UNIX);
                MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
                int rc = (int) Libc.BIND.invokeExact(errno, fd, address, 2 + name.length + 1);
                if (rc != 0) {
                    throw new ErrnoException("bind", path.toString(), Libc.errno(errno));
                }
                rc = (int) Libc.LISTEN.invokeExact(errno, fd, 1);
                if (rc != 0) {
                    throw new ErrnoException("listen", path.toString(), Libc.errno(errno));
                }
                return new ConsoleSocket(listener, path);
            } catch (RuntimeException e) {
                listener.close();
                throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * Accepts the runtime's connection and takes the terminal master it sends.
     *
     * @param timeoutMillis how long to wait for the runtime to connect
     * @throws ErrnoException naming the socket when nothing arrives in time (ETIMEDOUT) or the
     *     message has no descriptor (EBADMSG)
     */
    public Fd receiveTerminal(int timeoutMillis, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment pollFd = arena.allocate(8, 4);
            pollFd.set(JAVA_INT, 0, listener.value());
            pollFd.set(JAVA_SHORT, 4, POLLIN);
            int ready;
            do {
                ready = (int) Libc.POLL.invokeExact(errno, pollFd, 1L, timeoutMillis);
            } while (ready < 0 && Libc.errno(errno) == Libc.EINTR);
            if (ready < 0) {
                throw new ErrnoException("poll", path.toString(), Libc.errno(errno));
            }
            if (ready == 0) {
                throw new ErrnoException(
                        "accept",
                        path + ": the runtime did not connect within " + timeoutMillis + " ms",
                        ETIMEDOUT);
            }
            int connection =
                    (int)
                            Libc.ACCEPT4.invokeExact(
                                    errno,
                                    listener.value(),
                                    MemorySegment.NULL,
                                    MemorySegment.NULL,
                                    SOCK_CLOEXEC);
            if (connection < 0) {
                throw new ErrnoException("accept4", path.toString(), Libc.errno(errno));
            }
            try (Fd peer = new Fd(connection, "console connection on " + path)) {
                return receiveDescriptor(arena, peer, name);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    private Fd receiveDescriptor(Arena arena, Fd peer, String name) throws Throwable {
        MemorySegment errno = Libc.errnoSlot(arena);
        MemorySegment data = arena.allocate(4096);
        MemorySegment iov = arena.allocate(16, 8);
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, data.byteSize());
        MemorySegment control = arena.allocate(64, 8);
        MemorySegment header = arena.allocate(56, 8);
        header.set(ADDRESS, 16, iov);
        header.set(JAVA_LONG, 24, 1L);
        header.set(ADDRESS, 32, control);
        header.set(JAVA_LONG, 40, control.byteSize());
        long n;
        do {
            n = (long) Libc.RECVMSG.invokeExact(errno, peer.value(), header, MSG_CMSG_CLOEXEC);
        } while (n < 0 && Libc.errno(errno) == Libc.EINTR);
        if (n < 0) {
            throw new ErrnoException("recvmsg", path.toString(), Libc.errno(errno));
        }
        long controlLength = header.get(JAVA_LONG, 40);
        // cmsghdr: size_t cmsg_len; int cmsg_level; int cmsg_type; then the descriptors.
        if (controlLength < 20
                || control.get(JAVA_INT, 8) != SOL_SOCKET
                || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
            throw new ErrnoException(
                    "recvmsg",
                    path + ": the runtime's message carries no terminal descriptor",
                    EBADMSG);
        }
        int descriptors = (int) ((control.get(JAVA_LONG, 0) - 16) / 4);
        Fd master = new Fd(control.get(JAVA_INT, 16), name);
        // Anything beyond the first descriptor is not ours to keep.
        for (int i = 1; i < descriptors; i++) {
            new Fd(control.get(JAVA_INT, 16 + 4L * i), "extra descriptor").close();
        }
        return master;
    }

    /** Stops listening and removes the socket file. */
    @Override
    public void close() {
        listener.close();
        try (Arena arena = Arena.ofConfined()) {
            int ignored =
                    (int)
                            Libc.UNLINK.invokeExact(
                                    Libc.errnoSlot(arena), arena.allocateFrom(path.toString()));
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
