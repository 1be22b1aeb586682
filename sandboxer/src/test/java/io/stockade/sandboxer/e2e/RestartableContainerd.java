package io.stockade.sandboxer.e2e;

import io.stockade.testkit.containerd.ContainerdFixture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ContainerdFixture} that can be restarted in place: same config, root, state and sockets, as after
 * {@code systemctl restart containerd}. The restarted containerd also finds {@code containerd-shim-stockade-v1}
 * on its PATH (the packaging stub), which it resolves when it reloads the pods' tasks.
 */
final class RestartableContainerd implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RestartableContainerd.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final ContainerdFixture fixture;
    private final Path shimDir;
    private Optional<Path> networkNamespace = Optional.empty();
    private Process replacement;

    RestartableContainerd(ContainerdFixture fixture, Path shimDir) {
        this.fixture = fixture;
        this.shimDir = shimDir;
    }

    /**
     * Runs containerd inside this network namespace from the next {@link #restart} on (with {@code nsenter --net},
     * which keeps the mount namespace, so containerd's mounts stay visible to the sandboxer). The fixture cannot
     * start containerd under a prefix, so a node with a pod network restarts it once before creating pods.
     */
    void moveIntoNetworkNamespace(Path namespaceFile) {
        this.networkNamespace = Optional.of(namespaceFile);
    }

    ContainerdFixture fixture() {
        return fixture;
    }

    long pid() {
        return replacement != null ? replacement.pid() : fixture.pid();
    }

    /**
     * Stops containerd with SIGTERM (pods and their tasks keep running) and starts it again on the same config,
     * with the shim stub's directory first on its PATH if {@code withShimStub}.
     */
    void restart(boolean withShimStub) {
        ProcessHandle current = ProcessHandle.of(pid())
                .orElseThrow(() -> new IllegalStateException("containerd pid " + pid() + " is gone before restart;"
                        + " log:\n" + fixture.logTail()));
        current.destroy();
        try {
            current.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("containerd pid " + current.pid() + " did not stop within " + STOP_GRACE
                    + " of SIGTERM", e);
        }
        List<String> command = new ArrayList<>();
        networkNamespace.ifPresent(ns -> command.addAll(List.of("nsenter", "--net=" + ns, "--")));
        command.addAll(List.of(fixture.install().containerd().toString(),
                "--config", fixture.dirs().configFile().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(fixture.logFile().toFile()))
                .redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("PATH", (withShimStub ? shimDir + ":" : "") + fixture.install().binDir() + ":"
                + env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        try {
            replacement = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restart " + fixture.install().containerd(), e);
        }
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!SandboxerProcess.acceptsConnections(fixture.grpcSocket())) {
            if (!replacement.isAlive() || Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("restarted containerd (pid " + replacement.pid() + ") did not serve "
                        + fixture.grpcSocket() + " within " + START_TIMEOUT + "; log:\n" + fixture.logTail());
            }
            Eventually.pause(Duration.ofMillis(50));
        }
        log.info("containerd restarted as pid {}", replacement.pid());
    }

    @Override
    public void close() {
        if (replacement != null && replacement.isAlive()) {
            replacement.destroy();
            try {
                if (!replacement.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    replacement.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                replacement.destroyForcibly();
            }
        }
        fixture.close();
    }
}
