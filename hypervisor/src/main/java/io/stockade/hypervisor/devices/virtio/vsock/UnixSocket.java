package io.stockade.hypervisor.devices.virtio.vsock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.LinuxException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A non-blocking, close-on-exec AF_UNIX stream socket as a raw fd, so the {@link io.stockade.hypervisor.events.EventLoop}
 * can watch it with epoll (Java's {@code SocketChannel} hides its fd). Reads and writes go straight between the
 * socket and any {@link MemorySegment} — guest memory included, so data is never copied through the heap. Sends use
 * MSG_NOSIGNAL: a peer that went away is an EPIPE, never a SIGPIPE. Not thread-safe; the event loop owns it.
 */
final class UnixSocket implements AutoCloseable {

    /** What {@link #read} and {@link #write} return when the socket is not ready. */
    static final long WOULD_BLOCK = FileDescriptors.WOULD_BLOCK;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SHUT_RD = 0;
    private static final int SHUT_WR = 1;
    private static final int SUN_PATH_BYTES = 108;
    // Not (yet) in sys.Errno.
    private static final int ECONNABORTED = 103;
    private static final int ENOTCONN = 107;
    private static final long SOCKADDR_UN_BYTES = 2 + SUN_PATH_BYTES;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT,
            JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
            JAVA_INT));
    private static final MethodHandle LISTEN = downcall("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = downcall("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
            ADDRESS, JAVA_INT));
    private static final MethodHandle CONNECT = downcall("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
            JAVA_INT));
    private static final MethodHandle SEND = downcall("send", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS,
            JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = downcall("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT,
            JAVA_INT));

    private final int fd;
    private final String description;
    private boolean closed;

    private UnixSocket(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /**
     * A listening socket bound to {@code path}.
     *
     * @throws LinuxException naming the path, e.g. EADDRINUSE when something already exists there
     */
    static UnixSocket listen(Path path, int backlog) {
        UnixSocket s = open("unix listener " + path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = socketAddress(arena, path);
            MemorySegment capture = CAPTURE.get();
            int result = (int) BIND.invokeExact(capture, s.fd, address, (int) address.byteSize());
            check(result, capture, "bind", s.description);
            result = (int) LISTEN.invokeExact(capture, s.fd, backlog);
            check(result, capture, "listen", s.description);
            return s;
        } catch (Throwable t) {
            s.close();
            throw rethrow("bind/listen", t);
        }
    }

    /**
     * Connects to the listener at {@code path} without blocking. Unix sockets connect at once or not at all; a
     * listener whose backlog is full (EAGAIN) counts as refusing, like a missing one (ENOENT) or a dead one
     * (ECONNREFUSED).
     *
     * @return the connected socket, or empty with the reason in {@code whyNot[0]}
     */
    static Optional<UnixSocket> connect(Path path, String[] whyNot) {
        if (path.toString().getBytes(StandardCharsets.UTF_8).length >= SUN_PATH_BYTES) {
            whyNot[0] = "socket path " + path + " is longer than " + (SUN_PATH_BYTES - 1) + " bytes";
            return Optional.empty();
        }
        UnixSocket s = open("unix connection to " + path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = socketAddress(arena, path);
            MemorySegment capture = CAPTURE.get();
            int result = (int) CONNECT.invokeExact(capture, s.fd, address, (int) address.byteSize());
            if (result == 0) {
                return Optional.of(s);
            }
            int errno = errno(capture);
            whyNot[0] = new LinuxException("connect", path.toString(), errno).getMessage();
            s.close();
            return Optional.empty();
        } catch (Throwable t) {
            s.close();
            throw rethrow("connect", t);
        }
    }

    /** Takes one pending connection, or empty if none is waiting. */
    Optional<UnixSocket> accept() {
        MemorySegment capture = CAPTURE.get();
        while (true) {
            int client;
            try {
                client = (int) ACCEPT4.invokeExact(capture, fd, MemorySegment.NULL, MemorySegment.NULL,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
            } catch (Throwable t) {
                throw rethrow("accept4", t);
            }
            if (client >= 0) {
                return Optional.of(new UnixSocket(client, "host connection fd " + client + " from " + description));
            }
            int errno = errno(capture);
            if (errno == Errno.EAGAIN.number()) {
                return Optional.empty();
            }
            // The client gave up before we took it (ECONNABORTED) or was interrupted: try the next one.
            if (errno != Errno.EINTR.number() && errno != ECONNABORTED) {
                throw new LinuxException("accept4", description, errno);
            }
        }
    }

    int fd() {
        return fd;
    }

    /** Reads into {@code into}; returns the count, 0 at end of stream, or {@link #WOULD_BLOCK}. */
    long read(MemorySegment into) {
        return FileDescriptors.read(fd, into, description);
    }

    /** Sends from {@code from}; returns how many bytes went (possibly fewer) or {@link #WOULD_BLOCK}. */
    long write(MemorySegment from) {
        MemorySegment capture = CAPTURE.get();
        while (true) {
            long n;
            try {
                n = (long) SEND.invokeExact(capture, fd, from, from.byteSize(), MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw rethrow("send", t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = errno(capture);
            if (errno == Errno.EAGAIN.number()) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR.number()) {
                throw new LinuxException("send", description, errno);
            }
        }
    }

    /** No more bytes will be written: the peer reads end of stream once it has read what was sent. */
    void shutdownOutput() {
        shutdown(SHUT_WR, "shutdown(SHUT_WR)");
    }

    /** No more bytes will be read. */
    void shutdownInput() {
        shutdown(SHUT_RD, "shutdown(SHUT_RD)");
    }

    /** Closes the fd; idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            FileDescriptors.close(fd, description);
        }
    }

    @Override
    public String toString() {
        return description;
    }

    private void shutdown(int how, String call) {
        MemorySegment capture = CAPTURE.get();
        int result;
        try {
            result = (int) SHUTDOWN.invokeExact(capture, fd, how);
        } catch (Throwable t) {
            throw rethrow(call, t);
        }
        // ENOTCONN: the peer is already gone entirely, which is what a shutdown wants anyway.
        if (result < 0 && errno(capture) != ENOTCONN) {
            throw new LinuxException(call, description, errno(capture));
        }
    }

    private static UnixSocket open(String description) {
        MemorySegment capture = CAPTURE.get();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw rethrow("socket", t);
        }
        if (fd < 0) {
            throw new LinuxException("socket(AF_UNIX, SOCK_STREAM)", description, errno(capture));
        }
        return new UnixSocket(fd, description + " (fd " + fd + ")");
    }

    private static MemorySegment socketAddress(Arena arena, Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket path " + path + " is " + name.length
                    + " bytes; at most " + (SUN_PATH_BYTES - 1) + " fit in sockaddr_un");
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_BYTES, 2);
        address.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
        return address;
    }

    private static void check(int result, MemorySegment capture, String call, String target) {
        if (result < 0) {
            throw new LinuxException(call, target, errno(capture));
        }
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(String call, Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call " + call + " threw", t);
    }

    private static MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(symbol)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + symbol));
        return LINKER.downcallHandle(address, descriptor, Linker.Option.captureCallState("errno"));
    }
}
