package io.stockade.sandboxer.task;

import com.google.protobuf.Empty;

import containerd.task.v3.Shim.CheckpointTaskRequest;
import containerd.task.v3.Shim.CloseIORequest;
import containerd.task.v3.Shim.ConnectRequest;
import containerd.task.v3.Shim.ConnectResponse;
import containerd.task.v3.Shim.CreateTaskRequest;
import containerd.task.v3.Shim.CreateTaskResponse;
import containerd.task.v3.Shim.DeleteRequest;
import containerd.task.v3.Shim.DeleteResponse;
import containerd.task.v3.Shim.ExecProcessRequest;
import containerd.task.v3.Shim.KillRequest;
import containerd.task.v3.Shim.PauseRequest;
import containerd.task.v3.Shim.PidsRequest;
import containerd.task.v3.Shim.PidsResponse;
import containerd.task.v3.Shim.ResizePtyRequest;
import containerd.task.v3.Shim.ResumeRequest;
import containerd.task.v3.Shim.ShutdownRequest;
import containerd.task.v3.Shim.StartRequest;
import containerd.task.v3.Shim.StartResponse;
import containerd.task.v3.Shim.StateRequest;
import containerd.task.v3.Shim.StateResponse;
import containerd.task.v3.Shim.StatsRequest;
import containerd.task.v3.Shim.StatsResponse;
import containerd.task.v3.Shim.UpdateTaskRequest;
import containerd.task.v3.Shim.WaitRequest;
import containerd.task.v3.Shim.WaitResponse;
import containerd.task.v3.TaskGrpc;
import containerd.types.MountOuterClass.Mount;

import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.stockade.sandboxer.io.AgentStdio;
import io.stockade.sandboxer.io.ProcessPumps;
import io.stockade.sandboxer.io.StdioPaths;
import io.stockade.sandboxer.mount.MountException;
import io.stockade.sandboxer.mount.MountRequest;
import io.stockade.sandboxer.mount.Mounter;
import io.stockade.sandboxer.spec.InvalidSpecException;
import io.stockade.sandboxer.spec.SpecRewriter;
import io.stockade.sandboxer.store.ObjectId;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Task v3 for one pod, as containerd calls it with host paths. Create mounts the rootfs into {@code
 * <shared>/<cid>/rootfs}, writes the rewritten spec next to it, forwards Create with that bundle
 * and pumps the host FIFOs; Exec pumps its FIFOs; Delete undoes it all. Shutdown is answered here
 * and never forwarded: the pod's life belongs to the Controller, not to one container.
 */
public final class TaskProxy extends TaskGrpc.TaskImplBase {
    private static final Logger log = LoggerFactory.getLogger(TaskProxy.class);
    private static final int MAX_SPEC_BYTES = 4 << 20;

    private final String sandboxId;
    private final TaskGrpc.TaskBlockingStub agent;
    private final AgentStdio stdio;
    private final Path hostSharedDir;
    private final Path agentSharedDir;
    private final SpecRewriter rewriter;
    private final long shimPid;
    private final Map<String, ProcessPumps> pumps = new ConcurrentHashMap<>();

    /**
     * @param agentChannel the agent's ttrpc connection
     * @param hostSharedDir the pod's shared dir on the host
     * @param agentSharedDir the same dir as the agent sees it
     * @param shimPid the pid Connect reports as the shim (the agent's in process mode, the VMM's in
     *     VM mode)
     */
    public TaskProxy(
            String sandboxId,
            Channel agentChannel,
            AgentStdio stdio,
            Path hostSharedDir,
            Path agentSharedDir,
            SpecRewriter rewriter,
            long shimPid) {
        this.sandboxId = sandboxId;
        this.agent = TaskGrpc.newBlockingStub(agentChannel);
        this.stdio = stdio;
        this.hostSharedDir = hostSharedDir;
        this.agentSharedDir = agentSharedDir;
        this.rewriter = rewriter;
        this.shimPid = shimPid;
    }

    @Override
    public void create(CreateTaskRequest request, StreamObserver<CreateTaskResponse> response) {
        answer(
                "Create " + request.getId(),
                response,
                () -> {
                    String id = validId("container id", request.getId());
                    if (request.getTerminal()) {
                        throw Status.UNIMPLEMENTED
                                .withDescription(
                                        "task " + id + ": terminal mode is not supported yet")
                                .asRuntimeException();
                    }
                    if (!request.getCheckpoint().isEmpty()) {
                        throw Status.UNIMPLEMENTED
                                .withDescription("task " + id + ": restore from checkpoint")
                                .asRuntimeException();
                    }
                    StdioPaths io =
                            stdioPaths(
                                    id,
                                    request.getStdin(),
                                    request.getStdout(),
                                    request.getStderr());
                    Path bundle = hostBundle(id, request.getBundle());
                    ContainerFiles files = new ContainerFiles(hostSharedDir.resolve(id));
                    if (Files.exists(files.dir())) {
                        throw Status.ALREADY_EXISTS
                                .withDescription(
                                        "task " + id + " already exists in sandbox " + sandboxId)
                                .asRuntimeException();
                    }
                    byte[] spec = readSpec(id, bundle);
                    CreateTaskResponse created;
                    try {
                        Files.createDirectories(files.rootfs());
                        files.writeHostBundle(bundle.toString());
                        Path agentDir = agentSharedDir.resolve(id);
                        Files.write(
                                files.spec(),
                                rewriter.rewrite(
                                        spec,
                                        bundle.resolve("config.json").toString(),
                                        id,
                                        agentDir.resolve("rootfs")));
                        mountRootfs(id, bundle, request.getRootfsList(), files.rootfs());
                        created =
                                agent.create(
                                        request.toBuilder()
                                                .setBundle(agentDir.toString())
                                                .clearRootfs()
                                                .build());
                    } catch (IOException | RuntimeException e) {
                        removeQuietly(files);
                        if (e instanceof IOException io2) {
                            throw Status.INTERNAL
                                    .withDescription(
                                            "task "
                                                    + id
                                                    + ": cannot prepare its bundle in "
                                                    + files.dir()
                                                    + ": "
                                                    + io2.getMessage())
                                    .asRuntimeException();
                        }
                        throw (RuntimeException) e;
                    }
                    pumps.put(
                            key(id, ""),
                            ProcessPumps.start(sandboxId + "/" + id, id, "", io, stdio));
                    log.info(
                            "sandbox {}: created task {} (pid {}) from {}",
                            sandboxId,
                            id,
                            created.getPid(),
                            bundle);
                    return created;
                });
    }

    @Override
    public void exec(ExecProcessRequest request, StreamObserver<Empty> response) {
        answer(
                "Exec " + request.getId() + "/" + request.getExecId(),
                response,
                () -> {
                    String id = validId("container id", request.getId());
                    String execId = validId("exec id", request.getExecId());
                    if (request.getTerminal()) {
                        throw Status.UNIMPLEMENTED
                                .withDescription(
                                        "exec "
                                                + execId
                                                + " of task "
                                                + id
                                                + ": terminal mode is not supported yet")
                                .asRuntimeException();
                    }
                    StdioPaths io =
                            stdioPaths(
                                    id + " exec " + execId,
                                    request.getStdin(),
                                    request.getStdout(),
                                    request.getStderr());
                    Empty done = agent.exec(request);
                    pumps.put(
                            key(id, execId),
                            ProcessPumps.start(
                                    sandboxId + "/" + id + " exec " + execId,
                                    id,
                                    execId,
                                    io,
                                    stdio));
                    return done;
                });
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        answer(
                "Delete "
                        + request.getId()
                        + (request.getExecId().isEmpty() ? "" : "/" + request.getExecId()),
                response,
                () -> {
                    String id = validId("container id", request.getId());
                    String execId = request.getExecId();
                    DeleteResponse deleted;
                    try {
                        deleted = agent.delete(request);
                    } catch (StatusRuntimeException e) {
                        if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                            releaseLocal(id, execId);
                        }
                        throw e;
                    }
                    releaseLocal(id, execId);
                    return deleted;
                });
    }

    private void releaseLocal(String id, String execId) {
        ProcessPumps processPumps = pumps.remove(key(id, execId));
        if (processPumps != null) {
            processPumps.close();
        }
        if (execId.isEmpty()) {
            pumps.keySet()
                    .removeIf(
                            k -> {
                                if (k.startsWith(id + "\0")) {
                                    ProcessPumps execPumps = pumps.get(k);
                                    if (execPumps != null) {
                                        execPumps.close();
                                    }
                                    return true;
                                }
                                return false;
                            });
            try {
                new ContainerFiles(hostSharedDir.resolve(id)).remove();
            } catch (IOException | RuntimeException e) {
                throw Status.INTERNAL
                        .withDescription(
                                "task "
                                        + id
                                        + " of sandbox "
                                        + sandboxId
                                        + " was deleted but its rootfs could not be released: "
                                        + e.getMessage())
                        .asRuntimeException();
            }
        }
    }

    @Override
    public void state(StateRequest request, StreamObserver<StateResponse> response) {
        answer(
                "State " + request.getId(),
                response,
                () -> {
                    StateResponse state = agent.state(request);
                    String bundle =
                            new ContainerFiles(
                                            hostSharedDir.resolve(
                                                    validId("container id", request.getId())))
                                    .hostBundle()
                                    .orElse(state.getBundle());
                    return state.toBuilder().setBundle(bundle).build();
                });
    }

    @Override
    public void start(StartRequest request, StreamObserver<StartResponse> response) {
        answer("Start " + request.getId(), response, () -> agent.start(request));
    }

    @Override
    public void pids(PidsRequest request, StreamObserver<PidsResponse> response) {
        answer("Pids " + request.getId(), response, () -> agent.pids(request));
    }

    @Override
    public void pause(PauseRequest request, StreamObserver<Empty> response) {
        answer("Pause " + request.getId(), response, () -> agent.pause(request));
    }

    @Override
    public void resume(ResumeRequest request, StreamObserver<Empty> response) {
        answer("Resume " + request.getId(), response, () -> agent.resume(request));
    }

    @Override
    public void checkpoint(CheckpointTaskRequest request, StreamObserver<Empty> response) {
        answer("Checkpoint " + request.getId(), response, () -> agent.checkpoint(request));
    }

    @Override
    public void kill(KillRequest request, StreamObserver<Empty> response) {
        answer("Kill " + request.getId(), response, () -> agent.kill(request));
    }

    @Override
    public void resizePty(ResizePtyRequest request, StreamObserver<Empty> response) {
        answer("ResizePty " + request.getId(), response, () -> agent.resizePty(request));
    }

    @Override
    public void closeIO(CloseIORequest request, StreamObserver<Empty> response) {
        answer("CloseIO " + request.getId(), response, () -> agent.closeIO(request));
    }

    @Override
    public void update(UpdateTaskRequest request, StreamObserver<Empty> response) {
        answer("Update " + request.getId(), response, () -> agent.update(request));
    }

    @Override
    public void wait(WaitRequest request, StreamObserver<WaitResponse> response) {
        answer("Wait " + request.getId(), response, () -> agent.wait(request));
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> response) {
        answer("Stats " + request.getId(), response, () -> agent.stats(request));
    }

    @Override
    public void connect(ConnectRequest request, StreamObserver<ConnectResponse> response) {
        answer(
                "Connect " + request.getId(),
                response,
                () -> agent.connect(request).toBuilder().setShimPid((int) shimPid).build());
    }

    @Override
    public void shutdown(ShutdownRequest request, StreamObserver<Empty> response) {
        // containerd sends this after deleting a task (and newer versions after every delete); the
        // agent would exit
        // with it, taking the pod down. The Controller ends the pod.
        response.onNext(Empty.getDefaultInstance());
        response.onCompleted();
    }

    /** Stops every stdio pump (the pod is going away). */
    public void closePumps() {
        pumps.values().forEach(p -> p.close(java.time.Duration.ZERO));
        pumps.clear();
    }

    private static String key(String id, String execId) {
        return id + "\0" + execId;
    }

    private String validId(String what, String id) {
        try {
            return ObjectId.requireValid(what, id);
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("sandbox " + sandboxId + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static StdioPaths stdioPaths(String what, String stdin, String stdout, String stderr) {
        try {
            return new StdioPaths(stdin, stdout, stderr).validate();
        } catch (IllegalArgumentException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(what + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    private static Path hostBundle(String id, String bundle) {
        if (bundle.isEmpty() || !bundle.startsWith("/") || bundle.indexOf('\0') >= 0) {
            throw Status.INVALID_ARGUMENT
                    .withDescription(
                            "task " + id + ": bundle '" + bundle + "' is not an absolute path")
                    .asRuntimeException();
        }
        return Path.of(bundle);
    }

    private static byte[] readSpec(String id, Path bundle) {
        Path file = bundle.resolve("config.json");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_SPEC_BYTES + 1);
            if (bytes.length > MAX_SPEC_BYTES) {
                throw Status.INVALID_ARGUMENT
                        .withDescription(
                                "task "
                                        + id
                                        + ": "
                                        + file
                                        + " is larger than "
                                        + MAX_SPEC_BYTES
                                        + " bytes")
                        .asRuntimeException();
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("task " + id + ": " + file + " does not exist")
                    .asRuntimeException();
        } catch (IOException e) {
            throw Status.INVALID_ARGUMENT
                    .withDescription("task " + id + ": cannot read " + file + ": " + e.getMessage())
                    .asRuntimeException();
        }
    }

    /**
     * Mounts containerd's rootfs mounts on {@code target}; with none, the bundle's own rootfs dir
     * is bound.
     */
    private static void mountRootfs(String id, Path bundle, List<Mount> mounts, Path target) {
        for (Mount mount : mounts) {
            if (!mount.getTarget().isEmpty()) {
                throw Status.INVALID_ARGUMENT
                        .withDescription(
                                "task "
                                        + id
                                        + ": rootfs mount of "
                                        + mount.getSource()
                                        + " has a target '"
                                        + mount.getTarget()
                                        + "'; only whole-rootfs mounts are supported")
                        .asRuntimeException();
            }
        }
        List<MountRequest> requests =
                mounts.isEmpty()
                        ? List.of(
                                new MountRequest(
                                        "bind",
                                        bundle.resolve("rootfs").toString(),
                                        List.of("rbind")))
                        : mounts.stream()
                                .map(
                                        m ->
                                                new MountRequest(
                                                        m.getType(),
                                                        m.getSource(),
                                                        m.getOptionsList()))
                                .toList();
        for (MountRequest request : requests) {
            try {
                Mounter.mount(request, target);
            } catch (IllegalArgumentException e) {
                throw Status.INVALID_ARGUMENT
                        .withDescription("task " + id + ": " + e.getMessage())
                        .asRuntimeException();
            } catch (MountException e) {
                throw Status.INTERNAL
                        .withDescription(
                                "task "
                                        + id
                                        + ": cannot mount its rootfs on "
                                        + target
                                        + ": "
                                        + e.getMessage())
                        .asRuntimeException();
            }
        }
    }

    private void removeQuietly(ContainerFiles files) {
        try {
            files.remove();
        } catch (IOException | RuntimeException e) {
            log.error(
                    "sandbox {}: cannot clean up {} after a failed Create: {}",
                    sandboxId,
                    files.dir(),
                    e.toString());
        }
    }

    /**
     * Runs {@code call} and answers with its result or its error; anything unexpected becomes
     * INTERNAL.
     */
    private <R> void answer(String call, StreamObserver<R> response, Supplier<R> action) {
        R result;
        try {
            result = action.get();
        } catch (StatusRuntimeException e) {
            log.debug("sandbox {}: {} failed: {}", sandboxId, call, e.getStatus());
            response.onError(e);
            return;
        } catch (InvalidSpecException e) {
            response.onError(
                    Status.INVALID_ARGUMENT
                            .withDescription(call + ": " + e.getMessage())
                            .asRuntimeException());
            return;
        } catch (RuntimeException e) {
            log.error("sandbox {}: {} failed", sandboxId, call, e);
            response.onError(
                    Status.INTERNAL
                            .withDescription("sandbox " + sandboxId + ": " + call + ": " + e)
                            .asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
