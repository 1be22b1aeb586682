package io.stockade.hypervisor.api;

import com.google.protobuf.Duration;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.stockade.hypervisor.vmm.ExitStatus;
import io.stockade.hypervisor.vmm.ManagedVm;
import io.stockade.hypervisor.vmm.VmControlException;
import io.stockade.hypervisor.vmm.VmExit;
import io.stockade.hypervisor.vmm.VmState;
import io.stockade.proto.vmm.v1.DescribeRequest;
import io.stockade.proto.vmm.v1.DescribeResponse;
import io.stockade.proto.vmm.v1.ExitReason;
import io.stockade.proto.vmm.v1.MetricsRequest;
import io.stockade.proto.vmm.v1.MetricsResponse;
import io.stockade.proto.vmm.v1.PauseRequest;
import io.stockade.proto.vmm.v1.PauseResponse;
import io.stockade.proto.vmm.v1.ResumeRequest;
import io.stockade.proto.vmm.v1.ResumeResponse;
import io.stockade.proto.vmm.v1.StopRequest;
import io.stockade.proto.vmm.v1.StopResponse;
import io.stockade.proto.vmm.v1.VmmGrpc;
import io.stockade.proto.vmm.v1.WaitRequest;
import io.stockade.proto.vmm.v1.WaitResponse;

/**
 * The {@code stockade.vmm.v1.Vmm} service: translates RPCs into calls on the one {@link ManagedVm} this
 * process runs. Lifecycle refusals become FAILED_PRECONDITION, vCPUs that do not answer become UNAVAILABLE;
 * both carry the VMM's message.
 */
final class VmmService extends VmmGrpc.VmmImplBase {

    /** How long a graceful stop may take when the request does not say. */
    static final java.time.Duration DEFAULT_GRACEFUL_TIMEOUT = java.time.Duration.ofSeconds(10);

    private final ManagedVm vm;
    private final long pid;

    VmmService(ManagedVm vm, long pid) {
        this.vm = vm;
        this.pid = pid;
    }

    @Override
    public void describe(DescribeRequest request, StreamObserver<DescribeResponse> response) {
        var config = vm.config();
        reply(response, DescribeResponse.newBuilder()
                .setState(toProto(vm.state()))
                .setVcpus(config.vcpus())
                .setMemoryMib(config.memoryMib())
                .setPid((int) pid)
                .setKernel(config.kernel().toString())
                .setCmdline(config.cmdline())
                .setBootToInitNs(vm.bootToInit().map(java.time.Duration::toNanos).orElse(0L))
                .build());
    }

    @Override
    public void pause(PauseRequest request, StreamObserver<PauseResponse> response) {
        try {
            vm.pause();
            reply(response, PauseResponse.getDefaultInstance());
        } catch (VmControlException e) {
            response.onError(toStatus(e));
        }
    }

    @Override
    public void resume(ResumeRequest request, StreamObserver<ResumeResponse> response) {
        try {
            vm.resume();
            reply(response, ResumeResponse.getDefaultInstance());
        } catch (VmControlException e) {
            response.onError(toStatus(e));
        }
    }

    @Override
    public void stop(StopRequest request, StreamObserver<StopResponse> response) {
        if (request.getTimeout().getSeconds() < 0 || request.getTimeout().getNanos() < 0) {
            response.onError(Status.INVALID_ARGUMENT
                    .withDescription("stop timeout must not be negative: " + request.getTimeout()).asRuntimeException());
            return;
        }
        if (request.getGraceful()) {
            java.time.Duration timeout = request.hasTimeout() && !isZero(request.getTimeout())
                    ? java.time.Duration.ofSeconds(request.getTimeout().getSeconds(), request.getTimeout().getNanos())
                    : DEFAULT_GRACEFUL_TIMEOUT;
            vm.requestGracefulStop(timeout);
        } else {
            vm.requestStop();
        }
        reply(response, StopResponse.getDefaultInstance());
    }

    @Override
    public void wait(WaitRequest request, StreamObserver<WaitResponse> response) {
        vm.exitFuture().whenComplete((exit, failure) -> {
            if (failure != null) {
                response.onError(Status.INTERNAL.withDescription("waiting for the VM failed: " + failure)
                        .asRuntimeException());
            } else {
                reply(response, WaitResponse.newBuilder()
                        .setReason(toProto(exit.status()))
                        .setMessage(exit.message())
                        .build());
            }
        });
    }

    @Override
    public void metrics(MetricsRequest request, StreamObserver<MetricsResponse> response) {
        java.time.Duration uptime = vm.uptime();
        reply(response, MetricsResponse.newBuilder()
                .putAllExits(vm.exitCounts())
                .setUptime(Duration.newBuilder().setSeconds(uptime.getSeconds()).setNanos(uptime.getNano()))
                .build());
    }

    private static boolean isZero(Duration d) {
        return d.getSeconds() == 0 && d.getNanos() == 0;
    }

    private static <T> void reply(StreamObserver<T> response, T message) {
        response.onNext(message);
        response.onCompleted();
    }

    private static StatusRuntimeException toStatus(VmControlException e) {
        Status status = e.timedOut() ? Status.UNAVAILABLE : Status.FAILED_PRECONDITION;
        return status.withDescription(e.getMessage()).asRuntimeException();
    }

    static io.stockade.proto.vmm.v1.VmState toProto(VmState state) {
        return switch (state) {
            case CREATED -> io.stockade.proto.vmm.v1.VmState.VM_STATE_CREATED;
            case RUNNING -> io.stockade.proto.vmm.v1.VmState.VM_STATE_RUNNING;
            case PAUSED -> io.stockade.proto.vmm.v1.VmState.VM_STATE_PAUSED;
            case STOPPED -> io.stockade.proto.vmm.v1.VmState.VM_STATE_STOPPED;
        };
    }

    static ExitReason toProto(ExitStatus status) {
        return switch (status) {
            case POWEROFF -> ExitReason.EXIT_REASON_POWEROFF;
            case REBOOT -> ExitReason.EXIT_REASON_REBOOT;
            case TRIPLE_FAULT -> ExitReason.EXIT_REASON_TRIPLE_FAULT;
            case INTERNAL_ERROR -> ExitReason.EXIT_REASON_INTERNAL_ERROR;
            case HOST_STOP -> ExitReason.EXIT_REASON_HOST_STOP;
        };
    }
}
