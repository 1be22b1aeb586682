package io.stockade.sandboxer.runtime.process;

import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.sandboxer.io.AgentStdio;
import io.stockade.sandboxer.io.UnixAgentStdio;
import io.stockade.sandboxer.runtime.PodExit;
import io.stockade.sandboxer.runtime.RunningPod;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A pod's agent running as a host process, started by this sandboxer or found again after a
 * restart.
 */
final class AgentProcess implements RunningPod {
    private static final Logger log = LoggerFactory.getLogger(AgentProcess.class);

    private final String sandboxId;
    private final ProcessHandle handle;
    private final Instant startedAt;
    private final PodPaths paths;
    private final String netnsPath;
    private final RuncContainers containers;
    private final CompletableFuture<PodExit> exit;

    /**
     * @param child the {@link Process} when this sandboxer started it (its exit status is
     *     readable), else null
     */
    AgentProcess(
            String sandboxId,
            ProcessHandle handle,
            Process child,
            Instant startedAt,
            PodPaths paths,
            String netnsPath,
            RuncContainers containers) {
        this.sandboxId = sandboxId;
        this.handle = handle;
        this.startedAt = startedAt;
        this.paths = paths;
        this.netnsPath = netnsPath;
        this.containers = containers;
        this.exit =
                child != null
                        ? child.onExit().thenApply(p -> new PodExit(p.exitValue(), Instant.now()))
                        : handle.onExit()
                                .thenApply(h -> new PodExit(PodExit.UNKNOWN_STATUS, Instant.now()));
    }

    @Override
    public long pid() {
        return handle.pid();
    }

    @Override
    public Instant pidStartedAt() {
        return startedAt;
    }

    @Override
    public SocketAddress agentAddress() {
        return new DomainSocketAddress(paths.agentSocket().toString());
    }

    @Override
    public AgentStdio stdio() {
        return new UnixAgentStdio(paths.ioSocket());
    }

    @Override
    public Path agentSharedDir() {
        return paths.sharedDir();
    }

    @Override
    public String agentNetnsPath() {
        return netnsPath;
    }

    @Override
    public CompletableFuture<PodExit> exit() {
        return exit;
    }

    @Override
    public String kind() {
        return "process";
    }

    @Override
    public void kill() {
        // Containers first: they are runc's, not the agent's children in any way that would end
        // them with it.
        containers.killAll();
        if (handle.isAlive()) {
            handle.destroy();
            try {
                exit.get(3, TimeUnit.SECONDS);
            } catch (Exception e) {
                log.info(
                        "agent of sandbox {} (pid {}) ignored SIGTERM; sending SIGKILL",
                        sandboxId,
                        handle.pid());
                handle.destroyForcibly();
            }
        }
        exit.join();
    }

    @Override
    public String toString() {
        return "AgentProcess[" + sandboxId + ", pid " + handle.pid() + "]";
    }
}
