package io.stockade.sandboxer.runtime;

import io.stockade.sandboxer.io.AgentStdio;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/** A started pod's runtime: where its agent answers and how to end it. */
public interface RunningPod {
    /** The agent's pid in process mode, the VMM's in VM mode. */
    long pid();

    /** When {@link #pid()} started, to tell it from a reused pid. */
    Instant pidStartedAt();

    /** The agent's ttrpc address (Task v3 with agent-side paths, and the Agent service). */
    SocketAddress agentAddress();

    /** The agent's stdio attach point. */
    AgentStdio stdio();

    /** The pod's shared dir as the agent sees it (the host path in process mode). */
    Path agentSharedDir();

    /** The pod network namespace as the agent's containers must join it; empty for host network. */
    String agentNetnsPath();

    /** Completes when the runtime is gone. */
    CompletableFuture<PodExit> exit();

    /**
     * Kills every container of the pod and the runtime; returns once the runtime is gone.
     * Idempotent.
     */
    void kill();

    /** A short description for {@code Status.info}, e.g. "process". */
    String kind();
}
