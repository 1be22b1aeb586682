package io.stockade.sandboxer.e2e;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sandboxer under test as a child JVM, started the way an operator would ({@code SandboxerMain --config FILE})
 * from this test JVM's classpath (which holds the sandboxer, the task agent and their dependencies), in process
 * mode, with every path private to the test. Its stdout and stderr go to a log file whose tail ends up in failure
 * messages. Restartable: {@link #stop()} then {@link #start()} runs a new sandboxer on the same config and state.
 */
final class SandboxerProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SandboxerProcess.class);
    static final String MAIN_CLASS = "io.stockade.sandboxer.main.SandboxerMain";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 60;

    private final SandboxerPaths paths;
    private final Path containerdTtrpc;
    private Process process;
    private int generation;

    SandboxerProcess(SandboxerPaths paths, Path containerdTtrpc) {
        this.paths = paths;
        this.containerdTtrpc = containerdTtrpc;
    }

    /** The config file the sandboxer is started with: process mode, every path under the test's directory. */
    String configToml() {
        return """
                # Written by the e2e tests: a private process-mode sandboxer.
                root_dir = "%s"
                state_dir = "%s"
                listen = "%s"
                runtime = "process"
                containerd_ttrpc_address = "%s"
                agent_start_timeout = "30s"
                log_level = "debug"
                """.formatted(paths.rootDir(), paths.stateDir(), paths.socket(), containerdTtrpc);
    }

    /** Starts a sandboxer and waits (bounded) until its Controller socket accepts connections. */
    void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("sandboxer pid " + process.pid() + " is still running");
        }
        generation++;
        Path logFile = paths.logFile(generation);
        try {
            Files.createDirectories(paths.rootDir());
            Files.createDirectories(paths.stateDir());
            Files.writeString(paths.configFile(), configToml());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sandboxer config " + paths.configFile(), e);
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(MAIN_CLASS);
        command.add("--config");
        command.add(paths.configFile().toString());
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(logFile.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sandboxer: " + String.join(" ", command), e);
        }
        awaitSocket(logFile);
        log.info("sandboxer pid {} serving {} (log {})", process.pid(), paths.socket(), logFile);
    }

    private void awaitSocket(Path logFile) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!acceptsConnections(paths.socket())) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the sandboxer exited with status " + process.exitValue()
                        + " before serving " + paths.socket() + "; log " + logFile + ":\n" + logTail());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("the sandboxer (pid " + process.pid() + ") did not serve "
                        + paths.socket() + " within " + START_TIMEOUT + "; log:\n" + logTail());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    static boolean acceptsConnections(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, as systemd stops the unit (KillMode=process: pods must survive); SIGKILL after a grace period. */
    void stop() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("sandboxer pid {} ignored SIGTERM for {}; killing it", process.pid(), STOP_GRACE);
                process.destroyForcibly();
                process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** SIGKILL: a crash, nothing gets to clean up. */
    void kill() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroyForcibly();
        try {
            process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        if (process == null) {
            throw new IllegalStateException("the sandboxer was never started");
        }
        return process.pid();
    }

    /** The last lines of the current sandboxer's log, for failure messages. */
    String logTail() {
        Path logFile = paths.logFile(generation);
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the sandboxer", e);
        }
    }
}
