package io.stockade.sandboxer.runtime.process;

import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.HealthRequest;
import io.stockade.sandboxer.runtime.PodLaunch;
import io.stockade.sandboxer.runtime.PodRuntime;
import io.stockade.sandboxer.runtime.PodStartException;
import io.stockade.sandboxer.runtime.RunningPod;
import io.stockade.sandboxer.store.SandboxRecord;
import io.stockade.ttrpc.TtrpcChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Process mode: each pod's agent is a host process; containers run with the host's runc. Start
 * waits (bounded) for the agent to answer Health on its ttrpc socket; an agent that exits or never
 * answers is killed and reported with the tail of its log.
 */
public final class ProcessRuntime implements PodRuntime {
    private static final Logger log = LoggerFactory.getLogger(ProcessRuntime.class);

    /** Longest unix socket path (sun_path is 108 bytes with the NUL). */
    private static final int MAX_SOCKET_PATH = 107;

    private static final Duration POLL = Duration.ofMillis(50);

    private final AgentCommand command;
    private final Duration startTimeout;
    private final CgroupParents cgroups;

    /**
     * @param program the agent program (see {@code agent_command}); empty for the default
     * @param ociRuntime the OCI runtime binary the agent drives
     * @param startTimeout how long to wait for the agent to answer
     * @param cgroupParent the cgroup containers are put under ({@code
     *     /<parent>/<sandbox-id>/<container-id>})
     */
    public ProcessRuntime(
            List<String> program, String ociRuntime, Duration startTimeout, String cgroupParent) {
        this.command =
                new AgentCommand(
                        program.isEmpty() ? AgentCommand.defaultProgram() : program, ociRuntime);
        this.startTimeout = startTimeout;
        this.cgroups = new CgroupParents(Path.of("/sys/fs/cgroup"), cgroupParent);
    }

    @Override
    public String kind() {
        return "process";
    }

    @Override
    public boolean hardwareIsolated() {
        return false;
    }

    @Override
    public RunningPod start(PodLaunch launch) {
        PodPaths paths = new PodPaths(launch.podDir());
        String id = launch.sandboxId();
        if (paths.ioSocket().toString().length() > MAX_SOCKET_PATH) {
            throw new PodStartException(
                    "sandbox "
                            + id
                            + ": socket path "
                            + paths.ioSocket()
                            + " is longer than "
                            + MAX_SOCKET_PATH
                            + " bytes; choose a shorter root_dir",
                    false,
                    null);
        }
        if (!launch.netnsPath().isEmpty() && !Files.exists(Path.of(launch.netnsPath()))) {
            throw new PodStartException(
                    "sandbox "
                            + id
                            + ": network namespace "
                            + launch.netnsPath()
                            + " does not exist",
                    false,
                    null);
        }
        List<String> argv =
                command.argv(
                        launch.netnsPath(),
                        paths.agentSocket(),
                        paths.ioSocket(),
                        paths.agentState(),
                        launch.namespace());
        Process process;
        try {
            Files.createDirectories(paths.agentState());
            Files.deleteIfExists(paths.agentSocket());
            Files.deleteIfExists(paths.ioSocket());
            process =
                    new ProcessBuilder(argv)
                            .redirectInput(
                                    ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                            .redirectOutput(
                                    ProcessBuilder.Redirect.appendTo(paths.agentLog().toFile()))
                            .redirectErrorStream(true)
                            .start();
        } catch (IOException e) {
            throw new PodStartException(
                    "sandbox "
                            + id
                            + ": cannot start the agent ("
                            + argv.getFirst()
                            + " ...): "
                            + e.getMessage(),
                    false,
                    e);
        }
        log.info(
                "sandbox {}: agent started as pid {} (process mode, no hardware isolation){}",
                id,
                process.pid(),
                launch.netnsPath().isEmpty()
                        ? " in the host network"
                        : " in " + launch.netnsPath());
        RuncContainers containers = new RuncContainers(command.ociRuntime(), paths.runcRoot());
        try {
            awaitAgent(id, process, paths);
        } catch (PodStartException e) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            containers.killAll();
            throw e;
        }
        Instant startedAt = process.info().startInstant().orElse(Instant.now());
        return new AgentProcess(
                id, process.toHandle(), process, startedAt, paths, launch.netnsPath(), containers);
    }

    private void awaitAgent(String id, Process process, PodPaths paths) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new PodStartException(
                        "sandbox "
                                + id
                                + ": agent exited with status "
                                + process.exitValue()
                                + " before answering; last lines of "
                                + paths.agentLog()
                                + ":\n"
                                + tail(paths.agentLog()),
                        false,
                        null);
            }
            if (Files.exists(paths.agentSocket())) {
                try (TtrpcChannel channel =
                        TtrpcChannel.connect(
                                new DomainSocketAddress(paths.agentSocket().toString()))) {
                    if (AgentGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(2, TimeUnit.SECONDS)
                            .health(HealthRequest.getDefaultInstance())
                            .getReady()) {
                        return;
                    }
                } catch (RuntimeException e) {
                    last = e;
                }
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PodStartException(
                        "sandbox " + id + ": interrupted while waiting for the agent", false, e);
            }
        }
        throw new PodStartException(
                "sandbox "
                        + id
                        + ": agent (pid "
                        + process.pid()
                        + ") did not answer on "
                        + paths.agentSocket()
                        + " within "
                        + startTimeout.toMillis()
                        + " ms"
                        + (last == null ? "" : " (last error: " + last.getMessage() + ")")
                        + "; last lines of "
                        + paths.agentLog()
                        + ":\n"
                        + tail(paths.agentLog()),
                true,
                last);
    }

    @Override
    public Optional<RunningPod> reattach(SandboxRecord record, PodLaunch launch) {
        if (record.pid() <= 0 || record.pidStartedAt() == null) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle =
                ProcessHandle.of(record.pid()).filter(ProcessHandle::isAlive);
        Optional<Instant> started = handle.flatMap(h -> h.info().startInstant());
        // Start times from /proc are rounded to clock ticks: allow a tick's worth of difference.
        if (handle.isEmpty()
                || started.isEmpty()
                || Duration.between(started.get(), record.pidStartedAt()).abs().toMillis() > 1000) {
            return Optional.empty();
        }
        PodPaths paths = new PodPaths(launch.podDir());
        return Optional.of(
                new AgentProcess(
                        record.id(),
                        handle.get(),
                        null,
                        record.pidStartedAt(),
                        paths,
                        launch.netnsPath(),
                        new RuncContainers(command.ociRuntime(), paths.runcRoot())));
    }

    @Override
    public void cleanUp(PodLaunch launch) {
        new RuncContainers(command.ociRuntime(), new PodPaths(launch.podDir()).runcRoot())
                .killAll();
        cgroups.removePod(launch.sandboxId());
    }

    /** The last 2 KiB of a log file, for error messages. */
    static String tail(Path file) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, in.length() - 2048);
            byte[] bytes = new byte[(int) (in.length() - start)];
            in.seek(start);
            in.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read: " + e.getMessage() + ")";
        }
    }
}
