package io.stockade.agent.main;

import io.stockade.transport.Endpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the agent is run.
 *
 * @param listen where the ttrpc services (Task, Agent) are served
 * @param ioListen where the host attaches container stdio
 * @param runtime the OCI runtime binary (name on PATH or path)
 * @param stateDir the agent's private state (runtime root, per-container files)
 * @param mode process mode (a host process over unix sockets) or guest mode (PID 1 in the microVM)
 * @param namespace the containerd namespace written into event envelopes
 * @param sharedTag guest mode: the virtio-fs tag to mount at /run/stockade/shared
 * @param clock guest mode: the wall clock to set at boot
 */
public record AgentOptions(
        Endpoint listen,
        Endpoint ioListen,
        String runtime,
        Path stateDir,
        Mode mode,
        String namespace,
        Optional<String> sharedTag,
        Optional<Instant> clock) {

    /** Where the agent runs. */
    public enum Mode {
        PROCESS,
        GUEST
    }

    static final String USAGE =
            """
      usage: task-agent --listen <unix:///path | vsock://4294967295:1024>
                        --io-listen <unix:///path | vsock://4294967295:1025>
                        [--runtime runc] [--state-dir /run/stockade-agent] [--mode process|guest]
                        [--namespace k8s.io] [--shared-tag <virtio-fs tag>] [--clock <unix nanos>]""";

    public AgentOptions {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(ioListen, "ioListen");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(sharedTag, "sharedTag");
        Objects.requireNonNull(clock, "clock");
    }

    /** Options without guest boot settings (process mode, tests). */
    public AgentOptions(
            Endpoint listen,
            Endpoint ioListen,
            String runtime,
            Path stateDir,
            Mode mode,
            String namespace) {
        this(
                listen,
                ioListen,
                runtime,
                stateDir,
                mode,
                namespace,
                Optional.empty(),
                Optional.empty());
    }

    /**
     * Parses command-line arguments.
     *
     * @throws IllegalArgumentException naming the bad or missing option
     */
    public static AgentOptions parse(List<String> args) {
        Endpoint listen = null;
        Endpoint ioListen = null;
        String runtime = "runc";
        Path stateDir = Path.of("/run/stockade-agent");
        Mode mode = Mode.PROCESS;
        String namespace = "k8s.io";
        Optional<String> sharedTag = Optional.empty();
        Optional<Instant> clock = Optional.empty();
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("option " + option + " needs a value\n" + USAGE);
            }
            String value = args.get(++i);
            switch (option) {
                case "--listen" -> listen = endpoint(option, value);
                case "--io-listen" -> ioListen = endpoint(option, value);
                case "--runtime" -> runtime = value;
                case "--state-dir" -> stateDir = Path.of(value).toAbsolutePath();
                case "--namespace" -> namespace = value;
                case "--shared-tag" -> sharedTag = Optional.of(value);
                case "--clock" -> clock = Optional.of(unixNanos(option, value));
                case "--mode" ->
                        mode =
                                switch (value) {
                                    case "process" -> Mode.PROCESS;
                                    case "guest" -> Mode.GUEST;
                                    default ->
                                            throw new IllegalArgumentException(
                                                    "--mode must be process or guest, not '"
                                                            + value
                                                            + "'");
                                };
                default ->
                        throw new IllegalArgumentException(
                                "unknown option " + option + "\n" + USAGE);
            }
        }
        if (listen == null || ioListen == null) {
            throw new IllegalArgumentException("--listen and --io-listen are required\n" + USAGE);
        }
        if (mode == Mode.PROCESS && (sharedTag.isPresent() || clock.isPresent())) {
            throw new IllegalArgumentException(
                    "--shared-tag and --clock only apply to --mode guest");
        }
        return new AgentOptions(
                listen, ioListen, runtime, stateDir, mode, namespace, sharedTag, clock);
    }

    private static Instant unixNanos(String option, String value) {
        try {
            long nanos = Long.parseLong(value);
            if (nanos <= 0) {
                throw new NumberFormatException("not positive");
            }
            return Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    option + " must be nanoseconds since the Unix epoch, not '" + value + "'");
        }
    }

    private static Endpoint endpoint(String option, String value) {
        try {
            return Endpoint.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
