package io.stockade.agent.stdio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.agent.posix.Fd;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The listener with pipes but no container: the agent's ends are driven by the test in place of a
 * process.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StdioListenerTest {
    @TempDir Path dir;

    private static SocketChannel connect(Path socket, String header) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        channel.write(ByteBuffer.wrap(header.getBytes(StandardCharsets.US_ASCII)));
        return channel;
    }

    private static byte[] readAll(SocketChannel channel) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        while (channel.read(buffer) >= 0) {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }
        return out.toByteArray();
    }

    @Test
    void badHeadersAndUnknownProcessesAreRefusedByClosing() throws IOException {
        Path socket = dir.resolve("io.sock");
        try (StdioListener listener =
                StdioListener.bind(
                        new DomainSocketAddress(socket.toString()),
                        (container, exec) -> Optional.empty())) {
            for (String header :
                    new String[] {
                        "HELLO\n", "STDIO nobody - stdout\n", "STDIO c - stdsomething\n"
                    }) {
                try (SocketChannel channel = connect(socket, header)) {
                    assertEquals(0, readAll(channel).length, header);
                }
            }
        }
    }

    @Test
    void stdinBytesAfterTheHeaderReachThePipeAndEofClosesIt() throws IOException {
        Path socket = dir.resolve("io.sock");
        ProcessStdio stdio = ProcessStdio.open("c1", true, false, false);
        Fd processSide =
                ((io.stockade.agent.posix.ChildStdio.Descriptor) stdio.childEnd(StdioStream.STDIN))
                        .fd();
        try (StdioListener listener =
                StdioListener.bind(
                        new DomainSocketAddress(socket.toString()),
                        (container, exec) ->
                                container.equals("c1") ? Optional.of(stdio) : Optional.empty())) {
            try (SocketChannel channel =
                    connect(socket, "STDIO c1 - stdin\nsame packet as the header|")) {
                channel.write(ByteBuffer.wrap("then more\n".getBytes(StandardCharsets.US_ASCII)));
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(4096);
                for (int n; (n = processSide.read(buffer)) > 0; ) {
                    received.write(
                            buffer.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                }
            }
            assertArrayEquals(
                    "same packet as the header|then more\n".getBytes(StandardCharsets.US_ASCII),
                    received.toByteArray());
        } finally {
            stdio.close();
        }
    }
}
