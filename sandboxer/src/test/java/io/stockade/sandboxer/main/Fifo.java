package io.stockade.sandboxer.main;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A host FIFO as CRI uses it: made with mkfifo, the test holding the end containerd would hold. */
final class Fifo {
    private Fifo() {}

    static Path make(Path path) throws IOException, InterruptedException {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        if (!mkfifo.waitFor(10, TimeUnit.SECONDS) || mkfifo.exitValue() != 0) {
            throw new IOException("mkfifo " + path + " failed");
        }
        return path;
    }

    /**
     * Reads the FIFO in the background until EOF; what was read so far is visible through {@link
     * Reader#text}.
     */
    static final class Reader {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> done;

        Reader(Path fifo) {
            done =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (InputStream in = new FileInputStream(fifo.toFile())) {
                                    byte[] buffer = new byte[8192];
                                    int n;
                                    while ((n = in.read(buffer)) >= 0) {
                                        synchronized (bytes) {
                                            bytes.write(buffer, 0, n);
                                        }
                                    }
                                    synchronized (bytes) {
                                        return bytes.toByteArray();
                                    }
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            },
                            r -> Thread.ofPlatform().daemon().start(r));
        }

        String text() {
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        /** Everything up to EOF (the writer closed). */
        byte[] all() throws Exception {
            return done.get(60, TimeUnit.SECONDS);
        }

        /** Waits (bounded) until the output contains {@code expected}. */
        String awaitText(String expected) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!text().contains(expected) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return text();
        }
    }

    /** Writes {@code data} in the background, then closes (EOF for the reader). */
    static CompletableFuture<Void> write(Path fifo, byte[] data) {
        return CompletableFuture.runAsync(
                () -> {
                    try (OutputStream out = new FileOutputStream(fifo.toFile())) {
                        out.write(data);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                r -> Thread.ofPlatform().daemon().start(r));
    }
}
