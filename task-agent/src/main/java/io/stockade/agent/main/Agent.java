package io.stockade.agent.main;

import io.stockade.agent.cgroup.OomWatcher;
import io.stockade.agent.events.EventLog;
import io.stockade.agent.guest.AgentService;
import io.stockade.agent.guest.GuestSetup;
import io.stockade.agent.oci.OciRuntime;
import io.stockade.agent.posix.ChildReaper;
import io.stockade.agent.stdio.StdioListener;
import io.stockade.agent.task.TaskService;
import io.stockade.agent.task.TaskSupervisor;
import io.stockade.ttrpc.TtrpcServer;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A running agent: the Task and Agent services on the ttrpc listener and the stdio listener, over
 * one supervisor. {@link #close()} stops listening; containers that still exist are left to the
 * runtime.
 */
public final class Agent implements AutoCloseable {
    /** The agent's version as reported by Connect and Version. */
    public static final String VERSION = "0.1.0";

    private static final int EVENT_BACKLOG = 1024;

    private final TtrpcServer server;
    private final StdioListener stdio;
    private final ExecutorService exitHandlers;
    private final EventLog events;
    private final OomWatcher oomWatcher;
    private final TaskSupervisor supervisor;
    private final CountDownLatch shutdownRequested = new CountDownLatch(1);

    private Agent(
            TtrpcServer server,
            StdioListener stdio,
            ExecutorService exitHandlers,
            EventLog events,
            OomWatcher oomWatcher,
            TaskSupervisor supervisor) {
        this.server = server;
        this.supervisor = supervisor;
        this.oomWatcher = oomWatcher;
        this.stdio = stdio;
        this.exitHandlers = exitHandlers;
        this.events = events;
    }

    /** Starts serving as {@code options} say. */
    public static Agent start(AgentOptions options) {
        ChildReaper reaper = ChildReaper.instance();
        EventLog events = new EventLog(EVENT_BACKLOG, options.namespace());
        ExecutorService exitHandlers =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread thread = new Thread(r, "task-exits");
                            thread.setDaemon(true);
                            return thread;
                        });
        OciRuntime runtime = new OciRuntime(options.runtime(), options.stateDir(), reaper);
        OomWatcher oomWatcher = OomWatcher.start();
        TaskSupervisor supervisor =
                new TaskSupervisor(
                        runtime, reaper, events, options.stateDir(), exitHandlers, oomWatcher);
        StdioListener stdio;
        try {
            stdio = StdioListener.bind(options.ioListen().address(), supervisor.stdioTargets());
        } catch (RuntimeException e) {
            oomWatcher.close();
            exitHandlers.shutdown();
            throw e;
        }
        Agent[] self = new Agent[1];
        try {
            TtrpcServer server =
                    TtrpcServer.builder()
                            .addService(
                                    new TaskService(
                                            supervisor,
                                            () -> self[0].shutdownRequested.countDown(),
                                            VERSION))
                            .addService(
                                    new AgentService(
                                            events,
                                            VERSION,
                                            options.mode() == AgentOptions.Mode.GUEST
                                                    ? Optional.of(
                                                            new GuestSetup(
                                                                    Path.of("/etc"),
                                                                    options.stateDir()
                                                                            .resolve("guest-setup"),
                                                                    reaper))
                                                    : Optional.empty()))
                            .bind(options.listen().address());
            self[0] = new Agent(server, stdio, exitHandlers, events, oomWatcher, supervisor);
            return self[0];
        } catch (RuntimeException e) {
            stdio.close();
            exitHandlers.shutdown();
            oomWatcher.close();
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

    /** Stops every container (SIGTERM, then SIGKILL after {@code grace}), for a guest shutdown. */
    public void stopContainers(java.time.Duration grace) {
        supervisor.stopAll(grace);
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
        oomWatcher.close();
    }
}
