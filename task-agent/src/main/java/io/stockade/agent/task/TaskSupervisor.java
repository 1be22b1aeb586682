package io.stockade.agent.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import containerd.events.Task.TaskCreate;
import containerd.events.Task.TaskDelete;
import containerd.events.Task.TaskExecAdded;
import containerd.events.Task.TaskExecStarted;
import containerd.events.Task.TaskExit;
import containerd.events.Task.TaskIO;
import containerd.events.Task.TaskPaused;
import containerd.events.Task.TaskResumed;
import containerd.events.Task.TaskStart;
import containerd.types.MountOuterClass.Mount;

import io.grpc.Status;
import io.stockade.agent.cgroup.CgroupException;
import io.stockade.agent.cgroup.ContainerCgroup;
import io.stockade.agent.cgroup.OomWatcher;
import io.stockade.agent.events.EventLog;
import io.stockade.agent.oci.BundleSpec;
import io.stockade.agent.oci.OciRuntime;
import io.stockade.agent.oci.OciRuntimeException;
import io.stockade.agent.posix.ChildReaper;
import io.stockade.agent.posix.ChildStdio;
import io.stockade.agent.posix.ConsoleSocket;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.ExitStatus;
import io.stockade.agent.posix.Fd;
import io.stockade.agent.posix.Signals;
import io.stockade.agent.rootfs.MountSpec;
import io.stockade.agent.rootfs.RootfsMounts;
import io.stockade.agent.stdio.ProcessStdio;
import io.stockade.agent.stdio.StdioStream;
import io.stockade.agent.stdio.StdioTargets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Runs the lifecycle of containers and exec processes: calls the OCI runtime, owns the stdio pipes,
 * watches exits through the {@link ChildReaper} and publishes containerd's task events in the order
 * containerd expects (create, start, exec-added, exec-started, exit, delete). Errors are gRPC
 * statuses with the ids involved.
 */
public final class TaskSupervisor {
    private static final Logger log = LoggerFactory.getLogger(TaskSupervisor.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DELETE_EXIT_TIMEOUT_SECONDS = 30;

    private final OciRuntime runtime;
    private final ChildReaper reaper;
    private final EventLog events;
    private static final int CONSOLE_TIMEOUT_MILLIS = 10_000;

    private final Path containersDir;
    private final Path consolesDir;
    private final AtomicLong consoleSockets = new AtomicLong();
    private final Executor exitHandlers;
    private final OomWatcher oomWatcher;
    private final Containers containers = new Containers();

    /**
     * @param stateDir the agent's state directory; per-container files go to {@code
     *     <stateDir>/containers/<id>}
     * @param exitHandlers where exit bookkeeping runs: never the reaper thread, which must keep
     *     reaping
     * @param oomWatcher watches containers' cgroups for OOM kills
     */
    public TaskSupervisor(
            OciRuntime runtime,
            ChildReaper reaper,
            EventLog events,
            Path stateDir,
            Executor exitHandlers,
            OomWatcher oomWatcher) {
        this.runtime = runtime;
        this.oomWatcher = oomWatcher;
        this.reaper = reaper;
        this.events = events;
        this.containersDir = stateDir.resolve("containers");
        this.consolesDir = stateDir.resolve("consoles");
        this.exitHandlers = exitHandlers;
        try {
            Files.createDirectories(containersDir);
            Files.createDirectories(consolesDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + containersDir, e);
        }
    }

    /** Resolves attach requests from the stdio listener. */
    public StdioTargets stdioTargets() {
        return containers;
    }

    /** Whether no container exists (Shutdown only acts then). */
    public boolean isIdle() {
        return containers.isEmpty();
    }

    Container container(String id) {
        return containers.get(id);
    }

    /**
     * Create: the container is set up with its init waiting to be started. Returns the init pid.
     */
    int create(String id, Path bundle, TaskProcess.IoRequest io, List<Mount> rootfs) {
        Ids.requireValid("task id", id);
        List<MountSpec> mountSpecs = rootfsMountSpecs(id, bundle, rootfs);
        BundleSpec spec = BundleSpec.load(bundle);
        if (spec.terminal() != io.terminal()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "task "
                                    + id
                                    + ": the request says terminal="
                                    + io.terminal()
                                    + " but "
                                    + bundle.resolve("config.json")
                                    + " has process.terminal="
                                    + spec.terminal())
                    .asRuntimeException();
        }
        containers.reserve(id);
        Path stateDir = containersDir.resolve(id);
        ProcessStdio stdio = null;
        Optional<OomReporter> oom = Optional.empty();
        RootfsMounts mounts = RootfsMounts.none();
        try {
            Files.createDirectories(stateDir);
            mounts = mountRootfs(id, mountSpecs);
            stdio = openStdio(id, io);
            int pid;
            try (ConsoleSocket console = io.terminal() ? openConsoleSocket(id) : null) {
                pid =
                        runtime.create(
                                id,
                                bundle,
                                stateDir.resolve("init.pid"),
                                childStdio(stdio, console));
                if (console != null) {
                    stdio.provideTerminal(receiveTerminal(console, "task " + id));
                }
            } finally {
                stdio.closeChildEnds();
            }
            TaskProcess init = new TaskProcess(id, "", io, stdio);
            init.setPid(pid);
            Optional<ContainerCgroup> cgroup = findCgroup(id, pid);
            oom = cgroup.flatMap(c -> watchOom(id, c));
            Container container = new Container(id, bundle, stateDir, init, cgroup, oom, mounts);
            containers.put(container);
            events.publish(
                    "/tasks/create",
                    TaskCreate.newBuilder()
                            .setContainerId(id)
                            .setBundle(bundle.toString())
                            .addAllRootfs(rootfs)
                            .setIo(
                                    TaskIO.newBuilder()
                                            .setStdin(io.stdin())
                                            .setStdout(io.stdout())
                                            .setStderr(io.stderr())
                                            .setTerminal(io.terminal()))
                            .setPid(pid)
                            .build());
            watchExit(container, init, pid);
            return pid;
        } catch (RuntimeException | IOException e) {
            oom.ifPresent(OomReporter::close);
            if (stdio != null) {
                stdio.close();
            }
            if (!(e instanceof OciRuntimeException o
                    && o.kind() == OciRuntimeException.Kind.RUNTIME_UNAVAILABLE)) {
                forgetInRuntime(id);
            }
            mounts.close();
            deleteTree(stateDir);
            containers.release(id);
            if (e instanceof IOException io2) {
                throw new UncheckedIOException(
                        "task " + id + ": cannot create state directory " + stateDir, io2);
            }
            throw (RuntimeException) e;
        }
    }

    /** Start of the init (empty exec id) or of an exec. Returns the pid. */
    int start(String id, String execId) {
        Container container = containers.get(id);
        TaskProcess process = container.process(execId);
        synchronized (container.lock()) {
            process.checkStartable();
            if (process.isInit()) {
                runtime.start(id);
                process.markStarted();
                events.publish(
                        "/tasks/start",
                        TaskStart.newBuilder().setContainerId(id).setPid(process.pid()).build());
                return process.pid();
            }
            if (container.init().state() == ProcessState.STOPPED) {
                throw Status.FAILED_PRECONDITION
                        .withDescription(
                                "cannot start exec " + execId + ": task " + id + " has exited")
                        .asRuntimeException();
            }
            int pid;
            boolean terminal = process.stdio().isTerminal();
            try (ConsoleSocket console = terminal ? openConsoleSocket(id + "/" + execId) : null) {
                pid =
                        runtime.exec(
                                id,
                                execSpecFile(container, execId),
                                container.stateDir().resolve("exec-" + execId + ".pid"),
                                childStdio(process.stdio(), console));
                if (console != null) {
                    try {
                        process.stdio()
                                .provideTerminal(receiveTerminal(console, process.describe()));
                    } catch (RuntimeException e) {
                        killQuietly(pid);
                        throw e;
                    }
                }
            } finally {
                process.stdio().closeChildEnds();
            }
            process.setPid(pid);
            process.markStarted();
            events.publish(
                    "/tasks/exec-started",
                    TaskExecStarted.newBuilder()
                            .setContainerId(id)
                            .setExecId(execId)
                            .setPid(pid)
                            .build());
            watchExit(container, process, pid);
            return pid;
        }
    }

    /** Exec: registers an exec process from its OCI process spec (JSON); Start runs it. */
    void addExec(String id, String execId, TaskProcess.IoRequest io, byte[] processSpecJson) {
        Ids.requireValid("exec id", execId);
        Container container = containers.get(id);
        JsonNode spec;
        try {
            spec = JSON.readTree(processSpecJson);
        } catch (IOException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "exec "
                                    + execId
                                    + " of task "
                                    + id
                                    + ": the process spec is not valid JSON: "
                                    + e.getMessage())
                    .asRuntimeException();
        }
        if (spec == null || !spec.path("args").isArray() || spec.path("args").isEmpty()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "exec " + execId + " of task " + id + ": the process spec has no args")
                    .asRuntimeException();
        }
        if (spec.path("terminal").asBoolean(false) != io.terminal()) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "exec "
                                    + execId
                                    + " of task "
                                    + id
                                    + ": the request says terminal="
                                    + io.terminal()
                                    + " but the process spec has terminal="
                                    + spec.path("terminal").asBoolean(false))
                    .asRuntimeException();
        }
        synchronized (container.lock()) {
            if (container.init().state() == ProcessState.STOPPED) {
                throw Status.FAILED_PRECONDITION
                        .withDescription("cannot exec in task " + id + ": it has exited")
                        .asRuntimeException();
            }
            if (container.findProcess(execId).isPresent()) {
                throw Status.ALREADY_EXISTS
                        .withDescription("task " + id + " already has an exec " + execId)
                        .asRuntimeException();
            }
            ProcessStdio stdio = openStdio(id + "/" + execId, io);
            try {
                Files.write(execSpecFile(container, execId), processSpecJson);
                container.addExec(new TaskProcess(id, execId, io, stdio));
            } catch (IOException | RuntimeException e) {
                stdio.close();
                if (e instanceof IOException io2) {
                    throw new UncheckedIOException(
                            "exec " + execId + " of task " + id + ": cannot write its spec", io2);
                }
                throw (RuntimeException) e;
            }
            events.publish(
                    "/tasks/exec-added",
                    TaskExecAdded.newBuilder().setContainerId(id).setExecId(execId).build());
        }
    }

    /** Kill: a signal to the init (optionally every process of the container) or to an exec. */
    void kill(String id, String execId, int signal, boolean all) {
        Container container = containers.get(id);
        TaskProcess process = container.process(execId);
        process.checkSignalable();
        if (process.isInit()) {
            try {
                runtime.kill(id, signal, all);
            } catch (OciRuntimeException e) {
                if (process.state() == ProcessState.STOPPED) {
                    throw Status.NOT_FOUND
                            .withDescription(process.describe() + ": process already finished")
                            .asRuntimeException();
                }
                throw e;
            }
            return;
        }
        if (process.state() == ProcessState.CREATED) {
            throw Status.FAILED_PRECONDITION
                    .withDescription(
                            "cannot signal " + process.describe() + ": it has not been started")
                    .asRuntimeException();
        }
        try {
            Signals.kill(process.pid(), signal);
        } catch (ErrnoException e) {
            if (e.errno() == Signals.ESRCH) {
                throw Status.NOT_FOUND
                        .withDescription(process.describe() + ": process already finished")
                        .asRuntimeException();
            }
            throw e;
        }
    }

    /** The result of a delete: the pid and how the process ended. */
    record Deleted(int pid, ExitStatus exit) {}

    /** Delete of the init (removes the container) or of an exec. */
    Deleted delete(String id, String execId) {
        Container container = containers.get(id);
        TaskProcess process = container.process(execId);
        if (!process.isInit()) {
            synchronized (container.lock()) {
                process.checkDeletable();
                container.removeExec(execId);
            }
            process.stdio().close();
            deleteQuietly(execSpecFile(container, execId));
            deleteQuietly(container.stateDir().resolve("exec-" + execId + ".pid"));
            return new Deleted(process.pid(), exitOrNone(process));
        }
        synchronized (container.lock()) {
            process.checkDeletable();
        }
        container.oom().ifPresent(OomReporter::close);
        try {
            runtime.forceDelete(id);
        } catch (OciRuntimeException e) {
            if (e.kind() != OciRuntimeException.Kind.CONTAINER_NOT_FOUND) {
                throw e;
            }
            log.warn(
                    "task {}: runtime has no state for it any more; cleaning up the agent's side",
                    id);
        }
        ExitStatus exit = awaitExit(process);
        for (TaskProcess exec : container.execs()) {
            exec.stdio().close();
        }
        process.stdio().close();
        container.rootfsMounts().close();
        deleteTree(container.stateDir());
        containers.remove(container);
        events.publish(
                "/tasks/delete",
                TaskDelete.newBuilder()
                        .setContainerId(id)
                        .setId(id)
                        .setPid(process.pid())
                        .setExitStatus(exit.code())
                        .setExitedAt(timestamp(exit.exitedAt()))
                        .build());
        return new Deleted(process.pid(), exit);
    }

    void pause(String id) {
        Container container = containers.get(id);
        synchronized (container.lock()) {
            container.init().checkPausable();
            runtime.pause(id);
            container.init().markPaused();
            events.publish("/tasks/paused", TaskPaused.newBuilder().setContainerId(id).build());
        }
    }

    void resume(String id) {
        Container container = containers.get(id);
        synchronized (container.lock()) {
            container.init().checkResumable();
            runtime.resume(id);
            container.init().markResumed();
            events.publish("/tasks/resumed", TaskResumed.newBuilder().setContainerId(id).build());
        }
    }

    /** Update: new LinuxResources (JSON) for the container's cgroup. */
    void update(String id, byte[] resourcesJson) {
        Container container = containers.get(id);
        try {
            JsonNode resources = JSON.readTree(resourcesJson);
            if (resources == null || !resources.isObject()) {
                throw new IOException("not a JSON object");
            }
        } catch (IOException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "update of task "
                                    + id
                                    + ": resources must be a LinuxResources JSON object: "
                                    + e.getMessage())
                    .asRuntimeException();
        }
        container.init().checkSignalable();
        runtime.update(id, resourcesJson);
    }

    /**
     * Stops every container for a guest shutdown: SIGTERM to all their processes, up to {@code
     * grace} for the inits to exit, then SIGKILL to whatever is left. Never throws: a container
     * that cannot be signalled is logged.
     */
    public void stopAll(Duration grace) {
        List<Container> running =
                containers.all().stream()
                        .filter(c -> c.init().state() != ProcessState.STOPPED)
                        .toList();
        for (Container container : running) {
            signalAll(container, 15);
        }
        long deadline = System.nanoTime() + grace.toNanos();
        for (Container container : running) {
            try {
                container
                        .init()
                        .exited()
                        .get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn("task {} did not stop within {}; killing it", container.id(), grace);
                signalAll(container, 9);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException e) {
                throw new IllegalStateException("exit futures never fail", e);
            }
        }
    }

    private void signalAll(Container container, int signal) {
        try {
            runtime.kill(container.id(), signal, true);
        } catch (RuntimeException e) {
            log.warn(
                    "task {}: signal {} to all its processes failed: {}",
                    container.id(),
                    signal,
                    e.getMessage());
        }
    }

    /**
     * Pids of the container's processes, each with the exec id it belongs to (empty for others).
     */
    List<PidInfo> pids(String id) {
        Container container = containers.get(id);
        List<Integer> pids = runtime.ps(id);
        List<TaskProcess> execs = container.execs();
        return pids.stream()
                .map(
                        pid ->
                                new PidInfo(
                                        pid,
                                        execs.stream()
                                                .filter(e -> e.pid() == pid)
                                                .map(TaskProcess::execId)
                                                .findFirst()
                                                .orElse("")))
                .toList();
    }

    /** A pid of the container and, if it is an exec's process, that exec's id. */
    record PidInfo(int pid, String execId) {}

    void closeStdin(String id, String execId) {
        containers.get(id).process(execId).stdio().closeStdin();
    }

    /** Completes when the process has exited and its exit was published. */
    CompletableFuture<ExitStatus> exitOf(String id, String execId) {
        return containers.get(id).process(execId).exited();
    }

    /**
     * Translates the rootfs mounts of a Create; INVALID_ARGUMENT naming a mount that cannot be
     * used.
     */
    private static List<MountSpec> rootfsMountSpecs(String id, Path bundle, List<Mount> rootfs) {
        if (rootfs.isEmpty()) {
            return List.of();
        }
        Path target = bundle.resolve("rootfs");
        List<MountSpec> specs = new ArrayList<>();
        try {
            for (Mount mount : rootfs) {
                specs.add(
                        MountSpec.of(
                                mount.getType(),
                                mount.getSource(),
                                mount.getTarget(),
                                mount.getOptionsList(),
                                target));
            }
            Files.createDirectories(target);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("task " + id + ": " + e.getMessage())
                    .asRuntimeException();
        } catch (IOException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "task "
                                    + id
                                    + ": cannot create the rootfs mount point "
                                    + target
                                    + ": "
                                    + e)
                    .asRuntimeException();
        }
        return specs;
    }

    private static RootfsMounts mountRootfs(String id, List<MountSpec> specs) {
        try {
            return RootfsMounts.mount(specs);
        } catch (ErrnoException e) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("task " + id + ": cannot mount its rootfs: " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static Optional<ContainerCgroup> findCgroup(String id, int initPid) {
        try {
            return Optional.of(ContainerCgroup.ofProcess(initPid));
        } catch (CgroupException e) {
            log.warn("task {}: no cgroup found, so no OOM events or stats: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<OomReporter> watchOom(String id, ContainerCgroup cgroup) {
        try {
            return Optional.of(OomReporter.start(id, cgroup, oomWatcher, events));
        } catch (CgroupException e) {
            log.warn("task {}: OOM kills will not be reported: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Stats: the container cgroup's metrics (cgroup v1 or v2 flavour of containerd's Metrics
     * message).
     */
    Message stats(String id) {
        Container container = containers.get(id);
        ContainerCgroup cgroup =
                container
                        .cgroup()
                        .orElseThrow(
                                () ->
                                        Status.FAILED_PRECONDITION
                                                .withDescription(
                                                        "stats of task "
                                                                + id
                                                                + ": its cgroup was not found when it was created")
                                                .asRuntimeException());
        try {
            return cgroup.metrics();
        } catch (CgroupException e) {
            throw Status.INTERNAL
                    .withDescription("stats of task " + id + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private void watchExit(Container container, TaskProcess process, int pid) {
        reaper.exitOf(pid).thenAcceptAsync(exit -> onExit(container, process, exit), exitHandlers);
    }

    private void onExit(Container container, TaskProcess process, ExitStatus exit) {
        synchronized (container.lock()) {
            // An OOM kill is reported before the exit it caused, even if the kernel's notification
            // is still on its way.
            container.oom().ifPresent(OomReporter::check);
            if (process.markExited()) {
                events.publish(
                        "/tasks/exit",
                        TaskExit.newBuilder()
                                .setContainerId(container.id())
                                .setId(process.isInit() ? container.id() : process.execId())
                                .setPid(process.pid())
                                .setExitStatus(exit.code())
                                .setExitedAt(timestamp(exit.exitedAt()))
                                .build());
                log.debug(
                        "{} (pid {}) exited with {}",
                        process.describe(),
                        process.pid(),
                        exit.code());
            }
        }
        process.completeExit(exit);
    }

    private ExitStatus awaitExit(TaskProcess process) {
        try {
            return process.exited().get(DELETE_EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw Status.DEADLINE_EXCEEDED
                    .withDescription(
                            "delete of "
                                    + process.describe()
                                    + ": pid "
                                    + process.pid()
                                    + " did not exit within "
                                    + DELETE_EXIT_TIMEOUT_SECONDS
                                    + " s after the runtime deleted it")
                    .asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED
                    .withDescription("delete of " + process.describe() + " interrupted")
                    .asRuntimeException();
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        }
    }

    private static ExitStatus exitOrNone(TaskProcess process) {
        ExitStatus exit = process.exitStatus();
        return exit != null ? exit : new ExitStatus(0, Instant.EPOCH);
    }

    private void forgetInRuntime(String id) {
        try {
            runtime.forceDelete(id);
        } catch (RuntimeException e) {
            log.debug(
                    "task {}: nothing to delete in the runtime after the failed create ({})",
                    id,
                    e.getMessage());
        }
    }

    private static Path execSpecFile(Container container, String execId) {
        return container.stateDir().resolve("exec-" + execId + ".json");
    }

    /**
     * Pipes, or a terminal (stdout carries its output, stdin types into it; there is no stderr
     * then).
     */
    private static ProcessStdio openStdio(String label, TaskProcess.IoRequest io) {
        return io.terminal()
                ? ProcessStdio.forTerminal(label, !io.stdin().isEmpty(), !io.stdout().isEmpty())
                : ProcessStdio.open(
                        label,
                        !io.stdin().isEmpty(),
                        !io.stdout().isEmpty(),
                        !io.stderr().isEmpty());
    }

    private ConsoleSocket openConsoleSocket(String label) {
        Path path = consolesDir.resolve(consoleSockets.incrementAndGet() + ".sock");
        try {
            return ConsoleSocket.listen(path);
        } catch (IllegalArgumentException e) {
            throw Status.FAILED_PRECONDITION
                    .withDescription(label + ": " + e.getMessage() + " (use a shorter --state-dir)")
                    .asRuntimeException();
        }
    }

    private static Fd receiveTerminal(ConsoleSocket console, String what) {
        try {
            return console.receiveTerminal(CONSOLE_TIMEOUT_MILLIS, "terminal of " + what);
        } catch (ErrnoException e) {
            throw Status.INTERNAL
                    .withDescription(
                            what
                                    + ": the runtime did not hand over the terminal: "
                                    + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static void killQuietly(int pid) {
        try {
            Signals.kill(pid, 9);
        } catch (ErrnoException e) {
            log.debug("pid {} already gone: {}", pid, e.getMessage());
        }
    }

    /** ResizePty: the window size of the process's terminal. */
    void resizePty(String id, String execId, int width, int height) {
        TaskProcess process = containers.get(id).process(execId);
        try {
            process.stdio().resize(width, height);
        } catch (IllegalStateException e) {
            throw Status.FAILED_PRECONDITION
                    .withDescription("resize of " + process.describe() + ": " + e.getMessage())
                    .asRuntimeException();
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("resize of " + process.describe() + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static OciRuntime.ProcessStdio childStdio(ProcessStdio stdio, ConsoleSocket console) {
        if (console != null) {
            return new OciRuntime.ProcessStdio(
                    ChildStdio.devNull(),
                    ChildStdio.devNull(),
                    ChildStdio.devNull(),
                    console.path());
        }
        return new OciRuntime.ProcessStdio(
                stdio.childEnd(StdioStream.STDIN),
                stdio.childEnd(StdioStream.STDOUT),
                stdio.childEnd(StdioStream.STDERR));
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", file, e.toString());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(TaskSupervisor::deleteQuietly);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", dir, e.toString());
        }
    }
}
