package io.stockade.hypervisor.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Blocking AF_UNIX stream sockets as raw fds, for peers that pass file descriptors with {@code SCM_RIGHTS} (vhost-user
 * backends take guest memory and eventfds that way, which Java's {@code SocketChannel} cannot send). Sends use
 * MSG_NOSIGNAL, so a peer that went away is an EPIPE, never a SIGPIPE; EINTR is retried; a timeout set with
 * {@link #setTimeouts} surfaces as a {@link LinuxException} with EAGAIN.
 */
public final class UnixSockets {
    /** The most descriptors one message may carry (the kernel's SCM_MAX_FD is 253). */
    public static final int MAX_FDS = 253;

    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_SNDTIMEO = 21;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int MSG_CTRUNC = 0x8;
    private static final int SUN_PATH_BYTES = 108;
    private static final long SOCKADDR_UN_BYTES = 2 + SUN_PATH_BYTES;
    // struct msghdr / iovec / cmsghdr on x86-64.
    private static final long MSGHDR_BYTES = 56;
    private static final long IOVEC_BYTES = 16;
    private static final long CMSG_HEADER_BYTES = 16;

    private static final MethodHandle SOCKET =
            Native.withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR =
            Native.withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle CONNECT =
            Native.withErrno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = Native.withErrno("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG =
            Native.withErrno("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECVMSG =
            Native.withErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private UnixSockets() {}

    /** What {@link #receive} got: bytes read (0 at end of stream) and the descriptors that came with them. */
    public record Received(int bytes, int[] fds) {
        public Received {
            fds = fds.clone();
        }

        @Override
        public int[] fds() {
            return fds.clone();
        }
    }

    /** A blocking, close-on-exec stream socket connected to the socket file at {@code path}; returns its fd. */
    public static int connect(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket path " + path + " is " + name.length
                    + " bytes; at most " + (SUN_PATH_BYTES - 1) + " fit in sockaddr_un");
        }
        int fd = socket("unix socket for " + path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(SOCKADDR_UN_BYTES);
            address.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(name, 0, address, JAVA_BYTE, 2, name.length);
            MemorySegment capture = Native.capture();
            int result = (int) CONNECT.invokeExact(capture, fd, address, (int) SOCKADDR_UN_BYTES);
            if (result < 0) {
                throw new LinuxException("connect", "unix socket " + path, Native.errno(capture));
            }
            return fd;
        } catch (Throwable t) {
            FileDescriptors.close(fd, "unix socket fd " + fd);
            throw Native.unexpected("connect", t);
        }
    }

    /** A connected pair of blocking, close-on-exec stream sockets: {@code [a, b]}. */
    public static int[] pair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            MemorySegment capture = Native.capture();
            int result = (int) SOCKETPAIR.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
            if (result < 0) {
                throw new LinuxException("socketpair", "AF_UNIX stream", Native.errno(capture));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (Throwable t) {
            throw Native.unexpected("socketpair", t);
        }
    }

    /**
     * Bounds how long a send or receive may block (SO_SNDTIMEO / SO_RCVTIMEO); past it the call fails with EAGAIN.
     * A zero duration means forever.
     */
    public static void setTimeouts(int fd, Duration timeout, String target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8);
            timeval.set(JAVA_LONG, 0, timeout.toSeconds());
            timeval.set(JAVA_LONG, 8, timeout.toNanosPart() / 1000);
            for (int option : new int[] {SO_RCVTIMEO, SO_SNDTIMEO}) {
                MemorySegment capture = Native.capture();
                int result = (int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, option, timeval, 16);
                if (result < 0) {
                    throw new LinuxException("setsockopt(" + (option == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO")
                            + ")", target, Native.errno(capture));
                }
            }
        } catch (Throwable t) {
            throw Native.unexpected("setsockopt", t);
        }
    }

    /**
     * Sends all of {@code data}; {@code fds} (possibly none) travel with its first byte as one SCM_RIGHTS message.
     * The descriptors stay open here: the peer receives duplicates.
     */
    public static void send(int fd, byte[] data, int[] fds, String target) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException(fds.length + " descriptors in one message to " + target
                    + "; at most " + MAX_FDS);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buffer, JAVA_BYTE, 0, data.length);
            int sent = 0;
            boolean fdsSent = fds.length == 0;
            while (sent < data.length || !fdsSent) {
                MemorySegment control = fdsSent ? MemorySegment.NULL : rightsMessage(arena, fds);
                long n = sendmsg(fd, arena, buffer.asSlice(sent, data.length - sent), control, target);
                fdsSent = true;
                sent += (int) n;
            }
        }
    }

    /**
     * Receives up to {@code into.byteSize()} bytes and any descriptors sent with them (close-on-exec). Returns 0 bytes
     * at end of stream. Descriptors beyond {@code maxFds} are closed by the kernel, which this reports as an error
     * after closing the ones that did arrive.
     */
    public static Received receive(int fd, MemorySegment into, int maxFds, String target) {
        try (Arena arena = Arena.ofConfined()) {
            long controlBytes = maxFds == 0 ? 0 : CMSG_HEADER_BYTES + align8(4L * maxFds);
            MemorySegment control = controlBytes == 0 ? MemorySegment.NULL : arena.allocate(controlBytes, 8);
            MemorySegment header = message(arena, into, control, controlBytes);
            MemorySegment capture = Native.capture();
            long n;
            while (true) {
                try {
                    n = (long) RECVMSG.invokeExact(capture, fd, header, MSG_CMSG_CLOEXEC);
                } catch (Throwable t) {
                    throw Native.unexpected("recvmsg", t);
                }
                if (n >= 0) {
                    break;
                }
                if (Native.errno(capture) != Errno.EINTR.number()) {
                    throw new LinuxException("recvmsg", target, Native.errno(capture));
                }
            }
            int[] fds = controlBytes == 0 ? new int[0] : receivedFds(header, control);
            // The control buffer is rounded up to 8 bytes, so one descriptor too many can still fit in it.
            if ((header.get(JAVA_INT, 48) & MSG_CTRUNC) != 0 || fds.length > maxFds) {
                for (int received : fds) {
                    FileDescriptors.close(received, "unexpected fd " + received + " from " + target);
                }
                throw new IllegalStateException(target + " sent more than " + maxFds
                        + " file descriptor(s); the extra ones were discarded");
            }
            return new Received((int) n, fds);
        }
    }

    private static int socket(String target) {
        MemorySegment capture = Native.capture();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(capture, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Native.unexpected("socket", t);
        }
        if (fd < 0) {
            throw new LinuxException("socket(AF_UNIX, SOCK_STREAM)", target, Native.errno(capture));
        }
        return fd;
    }

    private static long sendmsg(int fd, Arena arena, MemorySegment data, MemorySegment control, String target) {
        MemorySegment header = message(arena, data, control, control.byteSize());
        MemorySegment capture = Native.capture();
        while (true) {
            long n;
            try {
                n = (long) SENDMSG.invokeExact(capture, fd, header, MSG_NOSIGNAL);
            } catch (Throwable t) {
                throw Native.unexpected("sendmsg", t);
            }
            if (n >= 0) {
                return n;
            }
            if (Native.errno(capture) != Errno.EINTR.number()) {
                throw new LinuxException("sendmsg", target, Native.errno(capture));
            }
        }
    }

    private static MemorySegment message(Arena arena, MemorySegment data, MemorySegment control, long controlBytes) {
        MemorySegment iov = arena.allocate(IOVEC_BYTES, 8);
        iov.set(ADDRESS, 0, data);
        iov.set(JAVA_LONG, 8, data.byteSize());
        MemorySegment header = arena.allocate(MSGHDR_BYTES, 8);
        header.set(ADDRESS, 16, iov);
        header.set(JAVA_LONG, 24, 1);
        header.set(ADDRESS, 32, control);
        header.set(JAVA_LONG, 40, controlBytes);
        return header;
    }

    private static MemorySegment rightsMessage(Arena arena, int[] fds) {
        MemorySegment control = arena.allocate(CMSG_HEADER_BYTES + align8(4L * fds.length), 8);
        control.set(JAVA_LONG, 0, CMSG_HEADER_BYTES + 4L * fds.length);
        control.set(JAVA_INT, 8, SOL_SOCKET);
        control.set(JAVA_INT, 12, SCM_RIGHTS);
        for (int i = 0; i < fds.length; i++) {
            control.set(JAVA_INT, CMSG_HEADER_BYTES + 4L * i, fds[i]);
        }
        return control;
    }

    private static int[] receivedFds(MemorySegment header, MemorySegment control) {
        long used = header.get(JAVA_LONG, 40);
        if (used < CMSG_HEADER_BYTES) {
            return new int[0];
        }
        long length = control.get(JAVA_LONG, 0);
        if (control.get(JAVA_INT, 8) != SOL_SOCKET || control.get(JAVA_INT, 12) != SCM_RIGHTS
                || length < CMSG_HEADER_BYTES || length > used) {
            return new int[0];
        }
        int[] fds = new int[(int) ((length - CMSG_HEADER_BYTES) / 4)];
        for (int i = 0; i < fds.length; i++) {
            fds[i] = control.get(JAVA_INT, CMSG_HEADER_BYTES + 4L * i);
        }
        return fds;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
