package io.stockade.sandboxer.io;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The agent's stdio listener on a unix socket (process mode): one connection per stream, opened
 * with the header line {@code STDIO <container-id> <exec-id or -> <stream>\n}.
 *
 * @param socket the agent's {@code --io-listen} socket
 */
public record UnixAgentStdio(Path socket) implements AgentStdio {
    @Override
    public ByteChannel open(String containerId, String execId, StdioStream stream)
            throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        try {
            String header =
                    "STDIO "
                            + containerId
                            + " "
                            + (execId.isEmpty() ? "-" : execId)
                            + " "
                            + stream.wireName()
                            + "\n";
            ByteBuffer bytes = ByteBuffer.wrap(header.getBytes(StandardCharsets.US_ASCII));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            return channel;
        } catch (IOException e) {
            channel.close();
            throw new IOException(
                    "cannot attach "
                            + stream.wireName()
                            + " of "
                            + containerId
                            + (execId.isEmpty() ? "" : " exec " + execId)
                            + " through "
                            + socket
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
