package io.stockade.hypervisor.devices.virtio.vsock;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A blocking host-side unix socket for tests: a client of the device's socket (as containerd's {@code hvsock://}
 * dialer is) or the accepted end of a guest-initiated connection.
 */
final class HostClient implements AutoCloseable {

    private final SocketChannel channel;

    HostClient(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to {@code socket} and asks for {@code guestPort}, as the hybrid protocol wants. */
    static HostClient connect(Path socket, int guestPort) {
        HostClient c = open(socket);
        c.write("CONNECT " + guestPort + "\n");
        return c;
    }

    static HostClient open(Path socket) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new HostClient(ch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void write(String text) {
        write(text.getBytes(StandardCharsets.US_ASCII));
    }

    void write(byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads up to and excluding the next newline. */
    String readLine() {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer one = ByteBuffer.allocate(1);
        try {
            while (true) {
                one.clear();
                if (channel.read(one) < 0) {
                    throw new AssertionError("end of stream after \"" + line + "\"");
                }
                if (one.get(0) == '\n') {
                    return line.toString(StandardCharsets.US_ASCII);
                }
                line.write(one.get(0));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    byte[] readExactly(int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        try {
            while (b.hasRemaining()) {
                if (channel.read(b) < 0) {
                    throw new AssertionError("end of stream after " + b.position() + " of " + n + " bytes");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.array();
    }

    String readString(int n) {
        return new String(readExactly(n), StandardCharsets.US_ASCII);
    }

    /** Reads into {@code into}; -1 at end of stream. */
    int read(ByteBuffer into) {
        try {
            return channel.read(into);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the next read finds the end of the stream (blocks until it knows). */
    boolean atEndOfStream() {
        try {
            return channel.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException e) {
            return true; // reset by peer counts as ended
        }
    }

    /** Reads and discards until the end of the stream (or a reset, which also ends it); true once there. */
    boolean atEndOfStreamAfterDraining() {
        ByteBuffer sink = ByteBuffer.allocate(64 * 1024);
        try {
            while (true) {
                sink.clear();
                if (channel.read(sink) < 0) {
                    return true;
                }
            }
        } catch (IOException e) {
            return true;
        }
    }

    void shutdownOutput() {
        try {
            channel.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
