package io.stockade.agent.main;

import io.stockade.agent.events.EventLog;
import io.stockade.agent.guest.AgentService;
import io.stockade.agent.oci.OciRuntime;
import io.stockade.agent.posix.ChildReaper;
import io.stockade.agent.stdio.StdioListener;
import io.stockade.agent.task.TaskService;
import io.stockade.agent.task.TaskSupervisor;
import io.stockade.ttrpc.TtrpcServer;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A running agent: the Task and Agent services on the ttrpc listener and the stdio listener, over one supervisor.
 * {@link #close()} stops listening; containers that still exist are left to the runtime.
 */
public final class Agent implements AutoCloseable {
  /** The agent's version as reported by Connect and Version. */
  public static final String VERSION = "0.1.0";
  private static final int EVENT_BACKLOG = 1024;

  private final TtrpcServer server;
  private final StdioListener stdio;
  private final ExecutorService exitHandlers;
  private final EventLog events;
  private final CountDownLatch shutdownRequested = new CountDownLatch(1);

  private Agent(TtrpcServer server, StdioListener stdio, ExecutorService exitHandlers, EventLog events) {
    this.server = server;
    this.stdio = stdio;
    this.exitHandlers = exitHandlers;
    this.events = events;
  }

  /** Starts serving as {@code options} say. */
  public static Agent start(AgentOptions options) {
    ChildReaper reaper = ChildReaper.instance();
    EventLog events = new EventLog(EVENT_BACKLOG, options.namespace());
    ExecutorService exitHandlers = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "task-exits");
      thread.setDaemon(true);
      return thread;
    });
    OciRuntime runtime = new OciRuntime(options.runtime(), options.stateDir(), reaper);
    TaskSupervisor supervisor = new TaskSupervisor(runtime, reaper, events, options.stateDir(), exitHandlers);
    StdioListener stdio = StdioListener.bind(options.ioListen().address(), supervisor.stdioTargets());
    Agent[] self = new Agent[1];
    try {
      TtrpcServer server = TtrpcServer.builder()
          .addService(new TaskService(supervisor, () -> self[0].shutdownRequested.countDown(), VERSION))
          .addService(new AgentService(events, VERSION))
          .bind(options.listen().address());
      self[0] = new Agent(server, stdio, exitHandlers, events);
      return self[0];
    } catch (RuntimeException e) {
      stdio.close();
      exitHandlers.shutdown();
      throw e;
    }
  }

  public SocketAddress address() {
    return server.localAddress();
  }

  public SocketAddress ioAddress() {
    return stdio.localAddress();
  }

  /** The event log, for tests that check what was published. */
  public EventLog events() {
    return events;
  }

  /** Blocks until containerd sends Shutdown while no task exists. */
  public void awaitShutdownRequest() throws InterruptedException {
    shutdownRequested.await();
  }

  @Override
  public void close() {
    server.close();
    stdio.close();
    exitHandlers.shutdown();
  }
}
