package io.stockade.agent.main;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point: {@code java --enable-native-access=ALL-UNNAMED -cp ... io.stockade.agent.main.AgentMain
 * --listen unix:///run/agent.sock --io-listen unix:///run/agent-io.sock}. Runs until containerd sends Shutdown with
 * no task left, or the process is signalled.
 */
public final class AgentMain {
  private static final Logger log = LoggerFactory.getLogger(AgentMain.class);

  private AgentMain() {}

  public static void main(String[] args) throws InterruptedException {
    AgentOptions options;
    try {
      options = AgentOptions.parse(List.of(args));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    if (options.mode() == AgentOptions.Mode.GUEST) {
      log.warn("guest mode: PID 1 duties (mounts, shutdown) are not implemented yet; serving as in process mode");
    }
    try (Agent agent = Agent.start(options)) {
      log.info("task agent {} serving on {} (stdio on {}), runtime {}, state in {}", Agent.VERSION,
          options.listen(), options.ioListen(), options.runtime(), options.stateDir());
      Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "agent-shutdown"));
      agent.awaitShutdownRequest();
    }
  }
}
