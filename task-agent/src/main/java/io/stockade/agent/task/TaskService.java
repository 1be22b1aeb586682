package io.stockade.agent.task;

import com.google.protobuf.Empty;

import containerd.runc.v1.Oci.ProcessDetails;
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
import containerd.v1.types.Task.ProcessInfo;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.stockade.agent.oci.InvalidSpecException;
import io.stockade.agent.oci.OciRuntimeException;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.ExitStatus;
import io.stockade.proto.TypeUrls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * containerd's Task v3 service ({@code containerd.task.v3.Task}) for the agent's containers.
 * Translates requests into {@link TaskSupervisor} calls and failures into gRPC statuses containerd
 * understands: NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT, UNIMPLEMENTED;
 * anything unexpected becomes INTERNAL with its message, and the agent keeps serving.
 */
public final class TaskService extends TaskGrpc.TaskImplBase {
    private static final Logger log = LoggerFactory.getLogger(TaskService.class);

    private final TaskSupervisor supervisor;
    private final Runnable shutdown;
    private final String version;

    /**
     * @param shutdown run when containerd sends Shutdown and no container is left
     * @param version reported by Connect
     */
    public TaskService(TaskSupervisor supervisor, Runnable shutdown, String version) {
        this.supervisor = supervisor;
        this.shutdown = shutdown;
        this.version = version;
    }

    @Override
    public void create(CreateTaskRequest request, StreamObserver<CreateTaskResponse> response) {
        answer(
                "Create " + request.getId(),
                response,
                () -> {
                    if (!request.getCheckpoint().isEmpty()) {
                        throw Status.UNIMPLEMENTED
                                .withDescription(
                                        "task " + request.getId() + ": restore from checkpoint")
                                .asRuntimeException();
                    }
                    if (request.getBundle().isEmpty() || !request.getBundle().startsWith("/")) {
                        throw Status.INVALID_ARGUMENT
                                .withDescription(
                                        "task "
                                                + request.getId()
                                                + ": bundle '"
                                                + request.getBundle()
                                                + "' is not an absolute path")
                                .asRuntimeException();
                    }
                    int pid =
                            supervisor.create(
                                    request.getId(),
                                    Path.of(request.getBundle()),
                                    new TaskProcess.IoRequest(
                                            request.getStdin(),
                                            request.getStdout(),
                                            request.getStderr(),
                                            request.getTerminal()),
                                    request.getRootfsList());
                    return CreateTaskResponse.newBuilder().setPid(pid).build();
                });
    }

    @Override
    public void start(StartRequest request, StreamObserver<StartResponse> response) {
        answer(
                "Start " + request.getId() + " " + request.getExecId(),
                response,
                () ->
                        StartResponse.newBuilder()
                                .setPid(supervisor.start(request.getId(), request.getExecId()))
                                .build());
    }

    @Override
    public void exec(ExecProcessRequest request, StreamObserver<Empty> response) {
        answer(
                "Exec " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    supervisor.addExec(
                            request.getId(),
                            request.getExecId(),
                            new TaskProcess.IoRequest(
                                    request.getStdin(),
                                    request.getStdout(),
                                    request.getStderr(),
                                    request.getTerminal()),
                            request.getSpec().getValue().toByteArray());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void state(StateRequest request, StreamObserver<StateResponse> response) {
        answer(
                "State " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    Container container = supervisor.container(request.getId());
                    TaskProcess process = container.process(request.getExecId());
                    StateResponse.Builder state =
                            StateResponse.newBuilder()
                                    .setId(request.getId())
                                    .setExecId(request.getExecId())
                                    .setBundle(container.bundle().toString())
                                    .setPid(process.pid())
                                    .setStatus(process.state().toProto())
                                    .setStdin(process.io().stdin())
                                    .setStdout(process.io().stdout())
                                    .setStderr(process.io().stderr())
                                    .setTerminal(process.io().terminal());
                    ExitStatus exit = process.exitStatus();
                    if (exit != null) {
                        state.setExitStatus(exit.code())
                                .setExitedAt(TaskSupervisor.timestamp(exit.exitedAt()));
                    }
                    return state.build();
                });
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> response) {
        answer(
                "Delete " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    TaskSupervisor.Deleted deleted =
                            supervisor.delete(request.getId(), request.getExecId());
                    return DeleteResponse.newBuilder()
                            .setPid(deleted.pid())
                            .setExitStatus(deleted.exit().code())
                            .setExitedAt(TaskSupervisor.timestamp(deleted.exit().exitedAt()))
                            .build();
                });
    }

    @Override
    public void pids(PidsRequest request, StreamObserver<PidsResponse> response) {
        answer(
                "Pids " + request.getId(),
                response,
                () -> {
                    PidsResponse.Builder pids = PidsResponse.newBuilder();
                    for (TaskSupervisor.PidInfo info : supervisor.pids(request.getId())) {
                        ProcessInfo.Builder process = ProcessInfo.newBuilder().setPid(info.pid());
                        if (!info.execId().isEmpty()) {
                            process.setInfo(
                                    TypeUrls.pack(
                                            ProcessDetails.newBuilder()
                                                    .setExecId(info.execId())
                                                    .build()));
                        }
                        pids.addProcesses(process);
                    }
                    return pids.build();
                });
    }

    @Override
    public void pause(PauseRequest request, StreamObserver<Empty> response) {
        answer(
                "Pause " + request.getId(),
                response,
                () -> {
                    supervisor.pause(request.getId());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void resume(ResumeRequest request, StreamObserver<Empty> response) {
        answer(
                "Resume " + request.getId(),
                response,
                () -> {
                    supervisor.resume(request.getId());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void kill(KillRequest request, StreamObserver<Empty> response) {
        answer(
                "Kill " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    if (request.getSignal() == 0 || request.getSignal() > 64) {
                        throw Status.INVALID_ARGUMENT
                                .withDescription(
                                        "kill of task "
                                                + request.getId()
                                                + ": signal "
                                                + Integer.toUnsignedString(request.getSignal())
                                                + " is not a signal number (1-64)")
                                .asRuntimeException();
                    }
                    supervisor.kill(
                            request.getId(),
                            request.getExecId(),
                            request.getSignal(),
                            request.getAll());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void closeIO(CloseIORequest request, StreamObserver<Empty> response) {
        answer(
                "CloseIO " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    if (request.getStdin()) {
                        supervisor.closeStdin(request.getId(), request.getExecId());
                    } else {
                        supervisor.container(request.getId()).process(request.getExecId());
                    }
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void update(UpdateTaskRequest request, StreamObserver<Empty> response) {
        answer(
                "Update " + request.getId(),
                response,
                () -> {
                    supervisor.update(
                            request.getId(), request.getResources().getValue().toByteArray());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void wait(WaitRequest request, StreamObserver<WaitResponse> response) {
        try {
            supervisor
                    .exitOf(request.getId(), request.getExecId())
                    .whenComplete(
                            (exit, failure) -> {
                                if (failure != null) {
                                    response.onError(
                                            Status.INTERNAL
                                                    .withDescription(
                                                            "Wait "
                                                                    + request.getId()
                                                                    + ": "
                                                                    + failure)
                                                    .asRuntimeException());
                                    return;
                                }
                                response.onNext(
                                        WaitResponse.newBuilder()
                                                .setExitStatus(exit.code())
                                                .setExitedAt(
                                                        TaskSupervisor.timestamp(exit.exitedAt()))
                                                .build());
                                response.onCompleted();
                            });
        } catch (RuntimeException e) {
            response.onError(toStatus("Wait " + request.getId(), e));
        }
    }

    @Override
    public void connect(ConnectRequest request, StreamObserver<ConnectResponse> response) {
        answer(
                "Connect " + request.getId(),
                response,
                () ->
                        ConnectResponse.newBuilder()
                                .setShimPid((int) ProcessHandle.current().pid())
                                .setTaskPid(supervisor.container(request.getId()).init().pid())
                                .setVersion(version)
                                .build());
    }

    @Override
    public void shutdown(ShutdownRequest request, StreamObserver<Empty> response) {
        answer(
                "Shutdown",
                response,
                () -> {
                    if (supervisor.isIdle()) {
                        log.info("Shutdown requested with no tasks left");
                        shutdown.run();
                    }
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void stats(StatsRequest request, StreamObserver<StatsResponse> response) {
        answer(
                "Stats " + request.getId(),
                response,
                () ->
                        StatsResponse.newBuilder()
                                .setStats(TypeUrls.pack(supervisor.stats(request.getId())))
                                .build());
    }

    @Override
    public void resizePty(ResizePtyRequest request, StreamObserver<Empty> response) {
        answer(
                "ResizePty " + request.getId() + " " + request.getExecId(),
                response,
                () -> {
                    supervisor.resizePty(
                            request.getId(),
                            request.getExecId(),
                            request.getWidth(),
                            request.getHeight());
                    return Empty.getDefaultInstance();
                });
    }

    @Override
    public void checkpoint(CheckpointTaskRequest request, StreamObserver<Empty> response) {
        response.onError(
                Status.UNIMPLEMENTED
                        .withDescription(
                                "Checkpoint of task " + request.getId() + " is not supported")
                        .asRuntimeException());
    }

    private static <T> void answer(String call, StreamObserver<T> response, Supplier<T> handler) {
        T result;
        try {
            result = handler.get();
        } catch (RuntimeException e) {
            response.onError(toStatus(call, e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    static StatusRuntimeException toStatus(String call, RuntimeException e) {
        Status status =
                switch (e) {
                    case StatusRuntimeException s -> s.getStatus();
                    case InvalidSpecException invalid ->
                            Status.INVALID_ARGUMENT.withDescription(invalid.getMessage());
                    case OciRuntimeException oci ->
                            switch (oci.kind()) {
                                case RUNTIME_UNAVAILABLE ->
                                        Status.FAILED_PRECONDITION.withDescription(
                                                oci.getMessage());
                                case CONTAINER_NOT_FOUND ->
                                        Status.NOT_FOUND.withDescription(oci.getMessage());
                                case FAILED -> Status.INTERNAL.withDescription(oci.getMessage());
                            };
                    case ErrnoException errno ->
                            Status.INTERNAL.withDescription(call + ": " + errno.getMessage());
                    default -> {
                        log.error("{} failed unexpectedly", call, e);
                        yield Status.INTERNAL.withDescription(call + ": " + e);
                    }
                };
        if (!(e instanceof StatusRuntimeException) || status.getCode() == Status.Code.INTERNAL) {
            log.warn("{} failed: {}", call, status.getDescription());
        }
        return status.asRuntimeException();
    }
}
