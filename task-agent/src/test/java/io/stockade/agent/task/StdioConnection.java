package io.stockade.agent.task;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The host side of one stdio stream, as the sandboxer would open it: a unix connection plus the
 * header line.
 */
final class StdioConnection implements AutoCloseable {
    private final SocketChannel channel;

    private StdioConnection(SocketChannel channel) {
        this.channel = channel;
    }

    static StdioConnection open(Path socket, String containerId, String execId, String stream)
            throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        String header =
                "STDIO "
                        + containerId
                        + " "
                        + (execId.isEmpty() ? "-" : execId)
                        + " "
                        + stream
                        + "\n";
        channel.write(ByteBuffer.wrap(header.getBytes(StandardCharsets.US_ASCII)));
        return new StdioConnection(channel);
    }

    /** Everything until the agent closes the stream. */
    byte[] readAll() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (channel.read(buffer) >= 0) {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return out.toByteArray();
    }

    String readAllText() throws IOException {
        return new String(readAll(), StandardCharsets.UTF_8);
    }

    /** Reads into {@code buffer}; -1 at end of stream. */
    int read(ByteBuffer buffer) throws IOException {
        return channel.read(buffer);
    }

    void write(byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Half-close: the process sees EOF on stdin. */
    void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
