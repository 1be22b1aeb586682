package io.stockade.agent.main;

import io.stockade.transport.Endpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * How the agent is run.
 *
 * @param listen where the ttrpc services (Task, Agent) are served
 * @param ioListen where the host attaches container stdio
 * @param runtime the OCI runtime binary (name on PATH or path)
 * @param stateDir the agent's private state (runtime root, per-container files)
 * @param mode process mode (a host process over unix sockets) or guest mode (PID 1 in the microVM)
 * @param namespace the containerd namespace written into event envelopes
 */
public record AgentOptions(Endpoint listen, Endpoint ioListen, String runtime, Path stateDir, Mode mode,
    String namespace) {

  /** Where the agent runs. */
  public enum Mode {
    PROCESS,
    GUEST
  }

  static final String USAGE = """
      usage: task-agent --listen <unix:///path | vsock://-1:1024> --io-listen <unix:///path | vsock://-1:1025>
                        [--runtime runc] [--state-dir /run/stockade-agent] [--mode process|guest]
                        [--namespace k8s.io]""";

  public AgentOptions {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(ioListen, "ioListen");
    Objects.requireNonNull(runtime, "runtime");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(namespace, "namespace");
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
        case "--mode" -> mode = switch (value) {
          case "process" -> Mode.PROCESS;
          case "guest" -> Mode.GUEST;
          default -> throw new IllegalArgumentException("--mode must be process or guest, not '" + value + "'");
        };
        default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
      }
    }
    if (listen == null || ioListen == null) {
      throw new IllegalArgumentException("--listen and --io-listen are required\n" + USAGE);
    }
    return new AgentOptions(listen, ioListen, runtime, stateDir, mode, namespace);
  }

  private static Endpoint endpoint(String option, String value) {
    try {
      return Endpoint.parse(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
    }
  }
}
