package io.stockade.testkit.containerd;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One private containerd 2.1 for a host-tier test: own root, state, config and sockets under a temporary directory,
 * started by {@link #start()} (blocks until its gRPC socket accepts connections) and gone after {@link #close()}
 * (containerd and its shims stopped, leftover mounts unmounted, the directory deleted).
 *
 * <p>Needs root (containerd mounts snapshots and refuses to run otherwise in a useful way). Usage:
 * <pre>{@code
 * try (ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().start()) {
 *     containerd.ctr("version").orThrow();
 * }
 * }</pre>
 */
public final class ContainerdFixture implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerdFixture.class);
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration CTR_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 40;

    private final ContainerdInstall install;
    private final ContainerdDirs dirs;
    private final Process process;
    private boolean closed;

    private ContainerdFixture(ContainerdInstall install, ContainerdDirs dirs, Process process) {
        this.install = install;
        this.dirs = dirs;
        this.process = process;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures and starts a {@link ContainerdFixture}. */
    public static final class Builder {
        private boolean cri = true;
        private final List<String> fragments = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private ContainerdInstall install;

        private Builder() {
        }

        /** Disables the CRI plugin (and its image/runtime/podsandbox plugins): faster, no CNI or stream server. */
        public Builder withoutCri() {
            this.cri = false;
            return this;
        }

        /**
         * Appends a TOML fragment to the config, e.g. {@code [proxy_plugins.stockade]} tables. Fragments must not
         * redefine the keys the fixture sets (version, root, state, grpc/ttrpc/debug/metrics addresses).
         */
        public Builder withTomlFragment(String fragment) {
            fragments.add(fragment);
            return this;
        }

        /** How long {@link #start()} waits for the gRPC socket (default 60 s; the first start on a host is slower). */
        public Builder withStartTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Uses this install instead of {@link ContainerdInstall#get()}. */
        public Builder withInstall(ContainerdInstall install) {
            this.install = install;
            return this;
        }

        public ContainerdFixture start() {
            ContainerdInstall resolved = install != null ? install : ContainerdInstall.get();
            ContainerdDirs dirs;
            try {
                dirs = new ContainerdDirs(Files.createTempDirectory("stockade-ctrd-").toRealPath());
                Files.createDirectories(dirs.sockets());
                Files.writeString(dirs.configFile(), ConfigToml.render(dirs, cri, fragments));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare a containerd directory", e);
            }
            ProcessBuilder builder = new ProcessBuilder(
                    resolved.containerd().toString(), "--config", dirs.configFile().toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(dirs.logFile().toFile())
                    .redirectErrorStream(true);
            // containerd finds containerd-shim-runc-v2 (and later our shim) on its PATH.
            Map<String, String> env = builder.environment();
            env.put("PATH", resolved.binDir() + ":" + env.getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                deleteQuietly(dirs);
                throw new UncheckedIOException("cannot start " + resolved.containerd(), e);
            }
            ContainerdFixture fixture = new ContainerdFixture(resolved, dirs, process);
            try {
                fixture.awaitGrpcSocket(startTimeout);
            } catch (RuntimeException e) {
                fixture.close();
                throw e;
            }
            log.info("containerd pid {} serving {} (config {})", process.pid(), dirs.grpcSocket(), dirs.configFile());
            return fixture;
        }
    }

    private void awaitGrpcSocket(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("containerd exited with status " + process.exitValue()
                        + " before serving " + dirs.grpcSocket() + "; last log lines:\n" + logTail());
            }
            if (acceptsConnections(dirs.grpcSocket())) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("containerd (pid " + process.pid() + ") did not accept connections on "
                        + dirs.grpcSocket() + " within " + timeout + "; last log lines:\n" + logTail());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for containerd to start", e);
            }
        }
    }

    private static boolean acceptsConnections(Path socket) {
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

    public ContainerdInstall install() {
        return install;
    }

    public ContainerdDirs dirs() {
        return dirs;
    }

    /** containerd's gRPC socket. */
    public Path grpcSocket() {
        return dirs.grpcSocket();
    }

    /** containerd's ttrpc socket. */
    public Path ttrpcSocket() {
        return dirs.ttrpcSocket();
    }

    public Path logFile() {
        return dirs.logFile();
    }

    public Path rootDir() {
        return dirs.root();
    }

    public Path stateDir() {
        return dirs.state();
    }

    public Path ctrBinary() {
        return install.ctr();
    }

    public long pid() {
        return process.pid();
    }

    /** The command line of {@code ctr --address <our socket> <args>}, for callers that need a long-running ctr. */
    public List<String> ctrCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(install.ctr().toString(), "--address", grpcSocket().toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code ctr --address <our socket> <args>} to completion (bounded at one minute). */
    public CommandResult ctr(String... args) {
        return ExternalCommand.run(ctrCommand(args), Map.of(), CTR_TIMEOUT);
    }

    /** The last lines of containerd's log, for error messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(dirs.logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + dirs.logFile() + ": " + e + ")";
        }
    }

    /**
     * Stops containerd (SIGTERM, then SIGKILL after 10 s), kills the shims it started for this instance, unmounts
     * whatever is still mounted under its directory and deletes the directory. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(process.toHandle());
        // Shims outlive containerd by design (they are re-parented); ours are the ones told our socket address.
        String address = dirs.grpcSocket().toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(cmd -> cmd.contains(address)).orElse(false))
                .filter(p -> p.info().command().map(cmd -> cmd.contains("containerd-shim")).orElse(false))
                .forEach(ContainerdFixture::stop);
        for (Path mountPoint : MountTable.mountsUnder(dirs.base())) {
            CommandResult umount = ExternalCommand.run(List.of("umount", "-l", mountPoint.toString()), Map.of(),
                    Duration.ofSeconds(30));
            if (!umount.succeeded()) {
                log.warn("cannot unmount {} left by containerd: {}", mountPoint, umount.stderr().strip());
            }
        }
        deleteQuietly(dirs);
    }

    private static void stop(ProcessHandle handle) {
        if (!handle.isAlive()) {
            return;
        }
        handle.destroy();
        try {
            handle.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroyForcibly();
        } catch (Exception e) {
            log.warn("pid {} ({}) ignored SIGTERM for {}; killing it", handle.pid(),
                    handle.info().command().orElse("?"), STOP_GRACE);
            handle.destroyForcibly();
        }
    }

    private static void deleteQuietly(ContainerdDirs dirs) {
        if (!MountTable.mountsUnder(dirs.base()).isEmpty()) {
            log.warn("not deleting {}: mounts remain under it", dirs.base());
            return;
        }
        try {
            MoreFiles.deleteRecursively(dirs.base(), RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dirs.base(), e.toString());
        }
    }

    /** The exit status of containerd if it has exited. */
    public Optional<Integer> exitStatus() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }
}
