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
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Agent service: streams the task events of the {@link EventLog} (replaying from a sequence number), answers
 * Health and Version. Guest setup and guest metrics belong to guest mode and are not implemented in this version.
 */
public final class AgentService extends AgentGrpc.AgentImplBase {
  private final EventLog events;
  private final String version;

  public AgentService(EventLog events, String version) {
    this.events = events;
    this.version = version;
  }

  @Override
  public void events(EventsRequest request, StreamObserver<SequencedEnvelope> response) {
    ServerCallStreamObserver<SequencedEnvelope> call = (ServerCallStreamObserver<SequencedEnvelope>) response;
    try {
      EventLog.Subscription subscription = events.subscribe(request.getAfterSequence(), envelope -> {
        if (!call.isCancelled()) {
          call.onNext(envelope);
        }
      });
      call.setOnCancelHandler(subscription::close);
      if (call.isCancelled()) {
        subscription.close();
      }
    } catch (EventLog.EventsLostException e) {
      response.onError(Status.OUT_OF_RANGE.withDescription(e.getMessage()).asRuntimeException());
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
    response.onNext(VersionResponse.newBuilder()
        .setAgentVersion(version)
        .setApiVersion("stockade.agent.v1")
        .setKernelRelease(kernel)
        .build());
    response.onCompleted();
  }

  @Override
  public void setupGuest(SetupGuestRequest request, StreamObserver<SetupGuestResponse> response) {
    response.onError(Status.UNIMPLEMENTED.withDescription(
        "SetupGuest: guest configuration is not implemented by this agent version").asRuntimeException());
  }

  @Override
  public void guestMetrics(GuestMetricsRequest request, StreamObserver<GuestMetricsResponse> response) {
    response.onError(Status.UNIMPLEMENTED.withDescription(
        "GuestMetrics: not implemented by this agent version").asRuntimeException());
  }
}
