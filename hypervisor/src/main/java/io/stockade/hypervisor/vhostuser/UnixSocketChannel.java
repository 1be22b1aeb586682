package io.stockade.hypervisor.vhostuser;

import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.UnixSockets;
import java.io.EOFException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link VhostUserChannel} over a blocking unix stream socket with send and receive timeouts. */
final class UnixSocketChannel implements VhostUserChannel {
    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixSocketChannel(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    static UnixSocketChannel connect(Path socket, Duration timeout) {
        int fd = UnixSockets.connect(socket);
        UnixSocketChannel channel = new UnixSocketChannel(fd, "vhost-user backend " + socket);
        try {
            UnixSockets.setTimeouts(fd, timeout, channel.description);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
        return channel;
    }

    @Override
    public void send(byte[] message, int[] fds) {
        UnixSockets.send(fd, message, fds, description);
    }

    @Override
    public byte[] receive(int length) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, length));
            int done = 0;
            while (done < length) {
                // Backends send no descriptors with the replies this frontend asks for; any would be discarded.
                UnixSockets.Received r = UnixSockets.receive(fd, buffer.asSlice(done, length - done), 0, description);
                if (r.bytes() == 0) {
                    throw new UncheckedIOException(new EOFException(description + " closed the connection after "
                            + done + " of " + length + " expected bytes"));
                }
                done += r.bytes();
            }
            return buffer.asSlice(0, length).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public OptionalInt pollableFd() {
        return OptionalInt.of(fd);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, description + " fd " + fd);
        }
    }
}
