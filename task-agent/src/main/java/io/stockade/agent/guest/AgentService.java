package io.stockade.agent.guest;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.stockade.agent.events.EventLog;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.EventsRequest;
import io.stockade.proto.agent.v1.GuestMetricsRequest;
import io.stockade.proto.agent.v1.GuestMetricsResponse;
import io.stockade.proto.agent.v1.HealthRequest;
import io.stockade.proto.agent.v1.HealthResponse;
import io.stockade.proto.agent.v1.SequencedEnvelope;
import io.stockade.proto.agent.v1.SetupGuestRequest;
import io.stockade.proto.agent.v1.SetupGuestResponse;
import io.stockade.proto.agent.v1.VersionRequest;
import io.stockade.proto.agent.v1.VersionResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Agent service: streams the task events of the {@link EventLog} (replaying from a sequence
 * number), answers Health, Version and GuestMetrics, and applies SetupGuest in guest mode (in
 * process mode the agent shares the host's network and names, which it must not change).
 */
public final class AgentService extends AgentGrpc.AgentImplBase {
    private static final Logger log = LoggerFactory.getLogger(AgentService.class);
    private final EventLog events;
    private final String version;
    private final Optional<GuestSetup> guestSetup;
    private final GuestMetricsReader metrics = new GuestMetricsReader(Path.of("/proc"));

    /**
     * @param guestSetup present in guest mode only
     */
    public AgentService(EventLog events, String version, Optional<GuestSetup> guestSetup) {
        this.events = events;
        this.version = version;
        this.guestSetup = guestSetup;
    }

    @Override
    public void events(EventsRequest request, StreamObserver<SequencedEnvelope> response) {
        ServerCallStreamObserver<SequencedEnvelope> call =
                (ServerCallStreamObserver<SequencedEnvelope>) response;
        try {
            EventLog.Subscription subscription =
                    events.subscribe(
                            request.getAfterSequence(),
                            envelope -> {
                                if (!call.isCancelled()) {
                                    call.onNext(envelope);
                                }
                            });
            call.setOnCancelHandler(subscription::close);
            if (call.isCancelled()) {
                subscription.close();
            }
        } catch (EventLog.EventsLostException e) {
            response.onError(
                    Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void health(HealthRequest request, StreamObserver<HealthResponse> response) {
        response.onNext(HealthResponse.newBuilder().setReady(true).build());
        response.onCompleted();
    }

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (java.io.IOException e) {
            kernel = "";
        }
        response.onNext(
                VersionResponse.newBuilder()
                        .setAgentVersion(version)
                        .setApiVersion("stockade.agent.v1")
                        .setKernelRelease(kernel)
                        .build());
        response.onCompleted();
    }

    @Override
    public void setupGuest(SetupGuestRequest request, StreamObserver<SetupGuestResponse> response) {
        if (guestSetup.isEmpty()) {
            response.onError(
                    Status.FAILED_PRECONDITION
                            .withDescription(
                                    "SetupGuest: this agent runs in process mode and does not configure the host")
                            .asRuntimeException());
            return;
        }
        try {
            guestSetup.get().apply(request);
        } catch (IllegalArgumentException e) {
            response.onError(
                    Status.INVALID_ARGUMENT
                            .withDescription("SetupGuest: " + e.getMessage())
                            .asRuntimeException());
            return;
        } catch (RuntimeException e) {
            log.warn("SetupGuest failed: {}", e.toString());
            response.onError(
                    Status.INTERNAL
                            .withDescription("SetupGuest: " + e.getMessage())
                            .asRuntimeException());
            return;
        }
        response.onNext(SetupGuestResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void guestMetrics(
            GuestMetricsRequest request, StreamObserver<GuestMetricsResponse> response) {
        GuestMetricsResponse result;
        try {
            result = metrics.read();
        } catch (RuntimeException e) {
            response.onError(
                    Status.INTERNAL
                            .withDescription("GuestMetrics: " + e.getMessage())
                            .asRuntimeException());
            return;
        }
        response.onNext(result);
        response.onCompleted();
    }
}
