package io.stockade.sandboxer.controller;

import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.sandboxer.events.AgentEvents;
import io.stockade.sandboxer.events.ContainerdPublisher;
import io.stockade.sandboxer.runtime.RunningPod;
import io.stockade.sandboxer.spec.SpecRewriter;
import io.stockade.sandboxer.task.TaskProxy;
import io.stockade.ttrpc.TtrpcChannel;
import io.stockade.ttrpc.TtrpcServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the sandboxer runs for one started pod: the connection to its agent, the Task proxy on
 * {@code task.sock} and the agent's event subscription. Closing it leaves the pod's runtime running
 * (a sandboxer restart re-opens it).
 */
final class PodConnection implements AutoCloseable {
    static final String CGROUP_PARENT = "stockade";

    private final TtrpcChannel agent;
    private final TaskProxy proxy;
    private final TtrpcServer taskServer;
    private final AgentEvents events;

    private PodConnection(
            TtrpcChannel agent, TaskProxy proxy, TtrpcServer taskServer, AgentEvents events) {
        this.agent = agent;
        this.proxy = proxy;
        this.taskServer = taskServer;
        this.events = events;
    }

    /**
     * Connects to the agent of {@code pod}, serves the Task proxy on {@code layout.taskSocket()},
     * subscribes events.
     */
    static PodConnection open(
            String sandboxId, RunningPod pod, PodLayout layout, ContainerdPublisher publisher) {
        TtrpcChannel agent = TtrpcChannel.connect(pod.agentAddress());
        TtrpcServer server = null;
        try {
            TaskProxy proxy =
                    new TaskProxy(
                            sandboxId,
                            agent,
                            pod.stdio(),
                            layout.sharedDir(),
                            pod.agentSharedDir(),
                            new SpecRewriter(
                                    sandboxId,
                                    pod.agentSharedDir(),
                                    pod.agentNetnsPath(),
                                    CGROUP_PARENT),
                            pod.pid());
            Path socket = layout.taskSocket();
            Files.deleteIfExists(socket);
            server =
                    TtrpcServer.builder()
                            .addService(proxy)
                            .bind(new DomainSocketAddress(socket.toString()));
            AgentEvents events =
                    AgentEvents.subscribe(
                            sandboxId, agent, publisher::publish, layout.eventSequenceFile());
            return new PodConnection(agent, proxy, server, events);
        } catch (IOException e) {
            agent.close();
            throw new UncheckedIOException(
                    "sandbox "
                            + sandboxId
                            + ": cannot serve the Task API on "
                            + layout.taskSocket()
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            if (server != null) {
                server.close();
            }
            agent.close();
            throw e;
        }
    }

    @Override
    public void close() {
        taskServer.close();
        proxy.closePumps();
        events.close();
        agent.close();
    }
}
