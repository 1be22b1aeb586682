package io.stockade.sandboxer.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The pumps between host FIFOs (made with mkfifo, no root needed) and a stand-in for the agent's
 * stdio listener on a unix socket that checks the header line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessPumpsTest {
    /** Each blocking helper gets its own thread (the common pool may have a single one). */
    private static final java.util.concurrent.Executor OWN_THREAD =
            r -> Thread.ofPlatform().daemon().start(r);

    @TempDir Path dir;

    @Test
    void copiesOutputByteForByteAndClosesTheFifoAtTheAgentsEof() throws Exception {
        byte[] output = new byte[1 << 20];
        new Random(1).nextBytes(output);
        Path fifo = mkfifo("out");
        try (ServerSocketChannel agent = listen()) {
            CompletableFuture<String> header =
                    CompletableFuture.supplyAsync(() -> serve(agent, output, null), OWN_THREAD);
            CompletableFuture<byte[]> read = readAll(fifo);
            ProcessPumps pumps =
                    ProcessPumps.start(
                            "pod/c1",
                            "c1",
                            "",
                            new StdioPaths("", fifo.toString(), ""),
                            new UnixAgentStdio(socket()));
            assertArrayEquals(
                    output,
                    read.get(30, TimeUnit.SECONDS),
                    "FIFO reader reaches EOF with every byte");
            assertEquals("STDIO c1 - stdout", header.get(30, TimeUnit.SECONDS));
            pumps.close(Duration.ofSeconds(5));
            assertTrue(pumps.isDone());
        }
    }

    @Test
    void copiesStdinAndHalfClosesTowardsTheAgentAtTheWritersEof() throws Exception {
        byte[] input = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        Path fifo = mkfifo("in");
        try (ServerSocketChannel agent = listen()) {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            CompletableFuture<String> header =
                    CompletableFuture.supplyAsync(() -> serve(agent, null, received), OWN_THREAD);
            ProcessPumps pumps =
                    ProcessPumps.start(
                            "pod/c1 exec e1",
                            "c1",
                            "e1",
                            new StdioPaths(fifo.toString(), "", ""),
                            new UnixAgentStdio(socket()));
            try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write(input);
            }
            assertArrayEquals(input, received.get(30, TimeUnit.SECONDS));
            assertEquals("STDIO c1 e1 stdin", header.get(30, TimeUnit.SECONDS));
            pumps.close(Duration.ZERO);
        }
    }

    @Test
    void closingStopsPumpsStillWaitingForTheOtherEndOfTheirFifo() throws Exception {
        Path fifo = mkfifo("never-opened");
        try (ServerSocketChannel agent = listen()) {
            CompletableFuture.runAsync(() -> serve(agent, new byte[0], null), OWN_THREAD);
            ProcessPumps pumps =
                    ProcessPumps.start(
                            "pod/c1",
                            "c1",
                            "",
                            new StdioPaths("", fifo.toString(), ""),
                            new UnixAgentStdio(socket()));
            pumps.close(Duration.ZERO);
            assertTrue(pumps.isDone(), "no pump thread is left blocked in open(2)");
        }
    }

    private Path socket() {
        return dir.resolve("io.sock");
    }

    private ServerSocketChannel listen() throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket()));
        return server;
    }

    /**
     * Accepts one connection, reads its header line, then sends {@code output} and closes, or reads
     * into sink.
     */
    private static String serve(
            ServerSocketChannel server, byte[] output, CompletableFuture<byte[]> sink) {
        try (SocketChannel connection = server.accept()) {
            InputStream in = Channels.newInputStream(connection);
            StringBuilder header = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                header.append((char) c);
            }
            if (output != null) {
                ByteBuffer bytes = ByteBuffer.wrap(output);
                while (bytes.hasRemaining()) {
                    connection.write(bytes);
                }
            }
            if (sink != null) {
                sink.complete(in.readAllBytes());
            }
            return header.toString();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static CompletableFuture<byte[]> readAll(Path fifo) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try (InputStream in = new FileInputStream(fifo.toFile())) {
                        return in.readAllBytes();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                OWN_THREAD);
    }

    private Path mkfifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        return fifo;
    }
}
