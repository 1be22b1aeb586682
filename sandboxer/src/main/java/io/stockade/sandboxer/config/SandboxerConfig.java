package io.stockade.sandboxer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The sandboxer's settings, after defaults are applied. Every key is documented in {@code
 * docs/configuration.md}.
 *
 * @param rootDir per-pod runtime files: sockets, the shared dir, mounts ({@code root_dir})
 * @param stateDir the persistent sandbox records ({@code state_dir})
 * @param listen the Controller's gRPC unix socket ({@code listen})
 * @param runtime where pods run ({@code runtime})
 * @param containerdTtrpcAddress containerd's ttrpc socket, for Events.Forward ({@code
 *     containerd_ttrpc_address})
 * @param agentRuntime the OCI runtime the agent drives ({@code agent_runtime})
 * @param agentStartTimeout how long Start waits for the agent to answer ({@code
 *     agent_start_timeout})
 * @param agentCommand the command that starts an agent in process mode; its options are appended
 *     ({@code agent_command}; empty = this JVM's java with this JVM's classpath)
 * @param logLevel the root log level ({@code log_level})
 */
public record SandboxerConfig(
        Path rootDir,
        Path stateDir,
        Path listen,
        RuntimeKind runtime,
        Path containerdTtrpcAddress,
        String agentRuntime,
        Duration agentStartTimeout,
        List<String> agentCommand,
        String logLevel) {

    /** Where the config file is read from when {@code --config} is not given. */
    public static final Path DEFAULT_PATH = Path.of("/etc/stockade/config.toml");

    public SandboxerConfig {
        Objects.requireNonNull(rootDir, "rootDir");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(containerdTtrpcAddress, "containerdTtrpcAddress");
        Objects.requireNonNull(agentRuntime, "agentRuntime");
        Objects.requireNonNull(agentStartTimeout, "agentStartTimeout");
        agentCommand = List.copyOf(agentCommand);
        Objects.requireNonNull(logLevel, "logLevel");
    }

    /** The configuration with every key at its default. */
    public static SandboxerConfig defaults() {
        return new SandboxerConfig(
                Path.of("/run/stockade"),
                Path.of("/var/lib/stockade"),
                Path.of("/run/stockade/sandboxer.sock"),
                RuntimeKind.AUTO,
                Path.of("/run/containerd/containerd.sock.ttrpc"),
                "runc",
                Duration.ofSeconds(30),
                List.of(),
                "info");
    }

    public SandboxerConfig withRootDir(Path dir) {
        return new SandboxerConfig(
                dir,
                stateDir,
                listen,
                runtime,
                containerdTtrpcAddress,
                agentRuntime,
                agentStartTimeout,
                agentCommand,
                logLevel);
    }
}
