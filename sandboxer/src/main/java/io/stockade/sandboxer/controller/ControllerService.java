package io.stockade.sandboxer.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import containerd.services.sandbox.v1.ControllerGrpc;
import containerd.services.sandbox.v1.Sandbox.ControllerCreateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerCreateResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerMetricsRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerMetricsResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStartRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStopRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStopResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerUpdateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerUpdateResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitResponse;
import containerd.types.PlatformOuterClass.Platform;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.stockade.proto.TypeUrls;
import io.stockade.sandboxer.runtime.PodExit;
import io.stockade.sandboxer.runtime.PodStartException;
import io.stockade.sandboxer.store.ObjectId;
import io.stockade.sandboxer.store.SandboxRecord;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import runtime.v1.Api.PodSandboxConfig;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * containerd's {@code containerd.services.sandbox.v1.Controller}, as containerd 2.1's sandbox proxy
 * plugin calls it: validates what containerd sends, maps it onto the {@link PodManager}, and maps
 * failures onto the status codes containerd understands (NotFound, AlreadyExists, InvalidArgument,
 * FailedPrecondition, DeadlineExceeded).
 */
public final class ControllerService extends ControllerGrpc.ControllerImplBase {
    private static final Logger log = LoggerFactory.getLogger(ControllerService.class);

    /** The Task API version containerd must use; anything below 3 makes it exec a shim binary. */
    static final int TASK_API_VERSION = 3;

    private final PodManager pods;

    /**
     * Wait calls not answered yet; on shutdown they get UNAVAILABLE, which containerd retries
     * (CANCELLED it does not).
     */
    private final Set<StreamObserver<ControllerWaitResponse>> pendingWaits =
            ConcurrentHashMap.newKeySet();

    ControllerService(PodManager pods) {
        this.pods = pods;
    }

    /**
     * Answers every pending Wait with UNAVAILABLE: the sandboxer is going away, the pods are not.
     */
    void failPendingWaits() {
        for (StreamObserver<ControllerWaitResponse> waiting : List.copyOf(pendingWaits)) {
            if (pendingWaits.remove(waiting)) {
                try {
                    waiting.onError(
                            Status.UNAVAILABLE
                                    .withDescription("the sandboxer is restarting; retry Wait")
                                    .asRuntimeException());
                } catch (RuntimeException e) {
                    log.debug("Wait could not be failed over: {}", e.toString());
                }
            }
        }
    }

    @Override
    public void create(
            ControllerCreateRequest request, StreamObserver<ControllerCreateResponse> response) {
        answer(
                "Create",
                request.getSandboxId(),
                response,
                () -> {
                    String id = validId(request.getSandboxId());
                    byte[] podConfig = new byte[0];
                    if (request.hasOptions() && !request.getOptions().getTypeUrl().isEmpty()) {
                        try {
                            podConfig =
                                    TypeUrls.unpack(request.getOptions(), PodSandboxConfig.class)
                                            .toByteArray();
                        } catch (InvalidProtocolBufferException e) {
                            throw new IllegalArgumentException(
                                    "sandbox " + id + ": options: " + e.getMessage());
                        }
                    }
                    String netns = request.getNetnsPath();
                    if (!netns.isEmpty()
                            && (!netns.startsWith("/")
                                    || netns.indexOf('\0') >= 0
                                    || java.util.Arrays.asList(netns.split("/")).contains(".."))) {
                        throw new IllegalArgumentException(
                                "sandbox "
                                        + id
                                        + ": netns_path '"
                                        + netns
                                        + "' is not a plain absolute path");
                    }
                    SandboxRecord record =
                            SandboxRecord.created(
                                    id,
                                    NamespaceInterceptor.NAMESPACE.get(),
                                    netns,
                                    request.getAnnotationsMap(),
                                    podConfig,
                                    Instant.now(),
                                    pods.runtime().kind());
                    if (!pods.create(record)) {
                        throw Status.ALREADY_EXISTS
                                .withDescription("sandbox " + id + " already exists")
                                .asRuntimeException();
                    }
                    return ControllerCreateResponse.newBuilder().setSandboxId(id).build();
                });
    }

    @Override
    public void start(
            ControllerStartRequest request, StreamObserver<ControllerStartResponse> response) {
        answer(
                "Start",
                request.getSandboxId(),
                response,
                () -> {
                    String id = validId(request.getSandboxId());
                    SandboxRecord record = pods.start(id);
                    return ControllerStartResponse.newBuilder()
                            .setSandboxId(id)
                            .setPid((int) record.pid())
                            .setCreatedAt(timestamp(record.createdAt()))
                            .setAddress(pods.layout(id).taskAddress())
                            .setVersion(TASK_API_VERSION)
                            .build();
                });
    }

    @Override
    public void platform(
            ControllerPlatformRequest request,
            StreamObserver<ControllerPlatformResponse> response) {
        answer(
                "Platform",
                request.getSandboxId(),
                response,
                () -> {
                    pods.get(validId(request.getSandboxId()));
                    return ControllerPlatformResponse.newBuilder()
                            .setPlatform(
                                    Platform.newBuilder().setOs("linux").setArchitecture("amd64"))
                            .build();
                });
    }

    @Override
    public void stop(
            ControllerStopRequest request, StreamObserver<ControllerStopResponse> response) {
        answer(
                "Stop",
                request.getSandboxId(),
                response,
                () -> {
                    pods.stop(validId(request.getSandboxId()));
                    return ControllerStopResponse.getDefaultInstance();
                });
    }

    @Override
    public void wait(
            ControllerWaitRequest request, StreamObserver<ControllerWaitResponse> response) {
        io.stockade.sandboxer.controller.Sandbox sandbox;
        try {
            sandbox = pods.get(validId(request.getSandboxId()));
        } catch (RuntimeException e) {
            response.onError(toStatus("Wait", request.getSandboxId(), e));
            return;
        }
        ServerCallStreamObserver<ControllerWaitResponse> call =
                (ServerCallStreamObserver<ControllerWaitResponse>) response;
        Context context = Context.current();
        pendingWaits.add(response);
        call.setOnCancelHandler(() -> pendingWaits.remove(response));
        // Answer when the pod is gone, without holding a thread while containerd waits (possibly
        // for days).
        sandbox.exited.whenComplete(
                (exit, failure) -> {
                    if (!pendingWaits.remove(response)
                            || context.isCancelled()
                            || call.isCancelled()) {
                        return;
                    }
                    PodExit result =
                            exit != null
                                    ? exit
                                    : new PodExit(PodExit.UNKNOWN_STATUS, Instant.now());
                    try {
                        response.onNext(
                                ControllerWaitResponse.newBuilder()
                                        .setExitStatus(result.status())
                                        .setExitedAt(timestamp(result.exitedAt()))
                                        .build());
                        response.onCompleted();
                    } catch (RuntimeException e) {
                        log.debug(
                                "sandbox {}: Wait answer not delivered: {}",
                                sandbox.id,
                                e.toString());
                    }
                });
    }

    @Override
    public void status(
            ControllerStatusRequest request, StreamObserver<ControllerStatusResponse> response) {
        answer(
                "Status",
                request.getSandboxId(),
                response,
                () -> {
                    String id = validId(request.getSandboxId());
                    io.stockade.sandboxer.controller.Sandbox sandbox = pods.get(id);
                    SandboxRecord record = sandbox.record;
                    boolean ready = record.state() == SandboxRecord.State.STARTED;
                    Map<String, String> info = new LinkedHashMap<>();
                    info.put("runtime", record.runtime());
                    info.put(
                            "hardware_isolated",
                            Boolean.toString(pods.runtime().hardwareIsolated()));
                    info.put("state", record.state().name().toLowerCase(java.util.Locale.ROOT));
                    info.put("netns_path", record.netnsPath());
                    ControllerStatusResponse.Builder status =
                            ControllerStatusResponse.newBuilder()
                                    .setSandboxId(id)
                                    .setPid((int) record.pid())
                                    .setState(ready ? "SANDBOX_READY" : "SANDBOX_NOTREADY")
                                    .putAllInfo(info)
                                    .setCreatedAt(timestamp(record.createdAt()));
                    if (record.state() != SandboxRecord.State.CREATED) {
                        status.setAddress(pods.layout(id).taskAddress())
                                .setVersion(TASK_API_VERSION);
                    }
                    if (record.exitedAt() != null) {
                        status.setExitedAt(timestamp(record.exitedAt()));
                    }
                    return status.build();
                });
    }

    @Override
    public void shutdown(
            ControllerShutdownRequest request,
            StreamObserver<ControllerShutdownResponse> response) {
        answer(
                "Shutdown",
                request.getSandboxId(),
                response,
                () -> {
                    pods.shutdown(validId(request.getSandboxId()));
                    return ControllerShutdownResponse.getDefaultInstance();
                });
    }

    @Override
    public void metrics(
            ControllerMetricsRequest request, StreamObserver<ControllerMetricsResponse> response) {
        answer(
                "Metrics",
                request.getSandboxId(),
                response,
                () -> {
                    pods.get(validId(request.getSandboxId()));
                    return ControllerMetricsResponse.getDefaultInstance();
                });
    }

    @Override
    public void update(
            ControllerUpdateRequest request, StreamObserver<ControllerUpdateResponse> response) {
        // Upstream containerd 2.1 never calls Update; accept it for known pods without changing
        // anything.
        answer(
                "Update",
                request.getSandboxId(),
                response,
                () -> {
                    pods.get(validId(request.getSandboxId()));
                    return ControllerUpdateResponse.getDefaultInstance();
                });
    }

    private static String validId(String id) {
        return ObjectId.requireValid("sandbox id", id);
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }

    private <R> void answer(
            String call, String id, StreamObserver<R> response, Supplier<R> action) {
        R result;
        try {
            result = action.get();
        } catch (RuntimeException e) {
            response.onError(toStatus(call, id, e));
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }

    private static StatusRuntimeException toStatus(String call, String id, RuntimeException e) {
        Status status =
                switch (e) {
                    case StatusRuntimeException s -> s.getStatus();
                    case SandboxNotFoundException n ->
                            Status.NOT_FOUND.withDescription(n.getMessage());
                    case IllegalArgumentException bad ->
                            Status.INVALID_ARGUMENT.withDescription(bad.getMessage());
                    case IllegalStateException state ->
                            Status.FAILED_PRECONDITION.withDescription(state.getMessage());
                    case PodStartException start ->
                            (start.timedOut()
                                            ? Status.DEADLINE_EXCEEDED
                                            : Status.FAILED_PRECONDITION)
                                    .withDescription(start.getMessage());
                    default -> {
                        log.error("{} of sandbox {} failed", call, id, e);
                        yield Status.INTERNAL.withDescription(
                                call + " of sandbox " + id + ": " + e);
                    }
                };
        if (status.getCode() != Status.Code.NOT_FOUND) {
            log.warn(
                    "{} of sandbox {}: {} {}", call, id, status.getCode(), status.getDescription());
        }
        return status.asRuntimeException();
    }
}
