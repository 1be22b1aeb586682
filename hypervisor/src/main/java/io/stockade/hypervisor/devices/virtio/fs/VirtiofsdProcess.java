package io.stockade.hypervisor.devices.virtio.fs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running virtiofsd: started with {@link VirtiofsdOptions}, ready once its vhost-user socket exists, its stderr
 * logged line by line (the last lines are kept for error messages), and killed on {@link #close}. virtiofsd serves a
 * single frontend connection and exits when it closes.
 */
public final class VirtiofsdProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VirtiofsdProcess.class);
    private static final int KEPT_LINES = 20;
    private static final Duration POLL = Duration.ofMillis(10);
    private static final Duration TERM_GRACE = Duration.ofSeconds(5);

    private final VirtiofsdOptions options;
    private final Process process;
    private final Thread logPump;
    private final Deque<String> lastLines = new ArrayDeque<>();

    private VirtiofsdProcess(VirtiofsdOptions options, Process process) {
        this.options = options;
        this.process = process;
        this.logPump = Thread.ofPlatform().daemon().name("virtiofsd-" + process.pid() + "-stderr")
                .start(this::pumpStderr);
    }

    /**
     * Starts virtiofsd and waits until it listens.
     *
     * @throws IllegalArgumentException if the shared directory is not a directory or the socket path exists
     * @throws IllegalStateException if virtiofsd exits or does not create its socket within {@code startTimeout};
     *         the message carries its exit status and last stderr lines. The process is gone when this is thrown.
     */
    public static VirtiofsdProcess start(VirtiofsdOptions options, Duration startTimeout) {
        if (!Files.isDirectory(options.sharedDir())) {
            throw new IllegalArgumentException("virtiofsd shared dir " + options.sharedDir() + " is not a directory");
        }
        if (Files.exists(options.socketPath())) {
            throw new IllegalArgumentException("virtiofsd socket " + options.socketPath() + " already exists");
        }
        Process process;
        try {
            process = new ProcessBuilder(options.command())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start virtiofsd " + options.command(), e);
        }
        VirtiofsdProcess started = new VirtiofsdProcess(options, process);
        try {
            started.awaitSocket(startTimeout);
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
        log.info("virtiofsd pid {} exports {} on {}", process.pid(), options.sharedDir(), options.socketPath());
        return started;
    }

    public Path socketPath() {
        return options.socketPath();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines virtiofsd wrote to stderr, oldest first. */
    public List<String> lastStderrLines() {
        synchronized (lastLines) {
            return List.copyOf(lastLines);
        }
    }

    /** Sends SIGTERM, then SIGKILL if it lingers; waits for it and removes its socket. Idempotent. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(TERM_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try {
            logPump.join(TERM_GRACE.toMillis());
            Files.deleteIfExists(options.socketPath());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.warn("cannot remove virtiofsd socket {}: {}", options.socketPath(), e.toString());
        }
    }

    @Override
    public String toString() {
        return "virtiofsd pid " + process.pid() + " on " + options.socketPath();
    }

    private void awaitSocket(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isSocket(options.socketPath())) {
            if (!process.isAlive()) {
                throw new IllegalStateException("virtiofsd for " + options.sharedDir() + " exited with status "
                        + process.exitValue() + " before creating " + options.socketPath() + "; stderr: "
                        + stderrTail());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("virtiofsd pid " + process.pid() + " did not create "
                        + options.socketPath() + " within " + timeout + "; stderr: " + stderrTail());
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for virtiofsd's socket " + options.socketPath());
            }
        }
    }

    private static boolean isSocket(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).isOther();
        } catch (IOException e) {
            return false;
        }
    }

    private String stderrTail() {
        // The pump may lag behind a process that just exited; give it a moment to drain the pipe.
        try {
            logPump.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> lines = lastStderrLines();
        return lines.isEmpty() ? "(empty)" : String.join(" | ", lines);
    }

    private void pumpStderr() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                log.info("virtiofsd[{}]: {}", process.pid(), line);
                synchronized (lastLines) {
                    if (lastLines.size() == KEPT_LINES) {
                        lastLines.removeFirst();
                    }
                    lastLines.add(line);
                }
            }
        } catch (IOException e) {
            log.debug("virtiofsd[{}] stderr closed: {}", process.pid(), e.toString());
        }
    }
}
