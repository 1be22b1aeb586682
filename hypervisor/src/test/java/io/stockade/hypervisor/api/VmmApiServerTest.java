package io.stockade.hypervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.hypervisor.vmm.VmControlException;
import io.stockade.proto.vmm.v1.DescribeRequest;
import io.stockade.proto.vmm.v1.ExitReason;
import io.stockade.proto.vmm.v1.MetricsRequest;
import io.stockade.proto.vmm.v1.PauseRequest;
import io.stockade.proto.vmm.v1.ResumeRequest;
import io.stockade.proto.vmm.v1.StopRequest;
import io.stockade.proto.vmm.v1.VmState;
import io.stockade.proto.vmm.v1.VmmGrpc;
import io.stockade.proto.vmm.v1.WaitRequest;
import io.stockade.proto.vmm.v1.WaitResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmmApiServerTest {

    @TempDir
    Path dir;

    private final FakeVm vm = new FakeVm();
    private VmmApiServer server;
    private EventLoopGroup clientLoop;
    private ManagedChannel channel;
    private VmmGrpc.VmmBlockingStub client;

    @BeforeEach
    void serve() {
        Path socket = dir.resolve("vmm.sock");
        server = VmmApiServer.start(socket, vm);
        clientLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(clientLoop)
                .usePlaintext()
                .build();
        client = VmmGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        server.close();
    }

    @Test
    void describeReportsConfigurationStateAndBootTime() {
        var described = client.describe(DescribeRequest.getDefaultInstance());
        assertEquals(VmState.VM_STATE_RUNNING, described.getState());
        assertEquals(1, described.getVcpus());
        assertEquals(128, described.getMemoryMib());
        assertEquals("/boot/vmlinuz", described.getKernel());
        assertEquals(ProcessHandle.current().pid(), described.getPid());
        assertEquals(1_234_000_000L, described.getBootToInitNs());
    }

    @Test
    void pauseAndResumeReachTheVm() {
        client.pause(PauseRequest.getDefaultInstance());
        assertEquals(VmState.VM_STATE_PAUSED, client.describe(DescribeRequest.getDefaultInstance()).getState());
        client.resume(ResumeRequest.getDefaultInstance());
        assertEquals(List.of("pause", "resume"), vm.calls);
    }

    @Test
    void lifecycleRefusalsAreFailedPreconditionAndStuckVcpusUnavailable() {
        vm.pauseFailure = new VmControlException("pause: the VM is STOPPED", false);
        var refused = assertThrows(StatusRuntimeException.class, () -> client.pause(PauseRequest.getDefaultInstance()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertEquals("pause: the VM is STOPPED", refused.getStatus().getDescription());

        vm.pauseFailure = new VmControlException("pause: vCPUs [1] did not leave KVM_RUN", true);
        var stuck = assertThrows(StatusRuntimeException.class, () -> client.pause(PauseRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, stuck.getStatus().getCode());
    }

    @Test
    void gracefulStopUsesTheRequestedTimeoutOrTheDefault() {
        client.stop(StopRequest.newBuilder().setGraceful(true)
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(3)).build());
        client.stop(StopRequest.newBuilder().setGraceful(true).build());
        assertEquals(List.of("graceful 3s", "graceful " + VmmService.DEFAULT_GRACEFUL_TIMEOUT.toSeconds() + "s"),
                vm.calls);
    }

    @Test
    void negativeStopTimeoutIsRejected() {
        var e = assertThrows(StatusRuntimeException.class, () -> client.stop(StopRequest.newBuilder().setGraceful(true)
                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(-1)).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(vm.calls.isEmpty());
    }

    @Test
    void waitBlocksUntilTheVmStoppedAndReportsWhy() throws Exception {
        var pending = VmmGrpc.newFutureStub(channel).wait(WaitRequest.getDefaultInstance());
        assertFalse(pending.isDone(), "Wait has no answer while the VM runs");

        client.stop(StopRequest.getDefaultInstance());
        WaitResponse response = pending.get(30, TimeUnit.SECONDS);
        assertEquals(ExitReason.EXIT_REASON_HOST_STOP, response.getReason());
        assertEquals("stopped by the host", response.getMessage());

        WaitResponse again = client.wait(WaitRequest.getDefaultInstance());
        assertEquals(ExitReason.EXIT_REASON_HOST_STOP, again.getReason(), "a stopped VM answers at once");
    }

    @Test
    void metricsCarryExitCountsAndUptime() {
        var metrics = client.metrics(MetricsRequest.getDefaultInstance());
        assertEquals(42L, metrics.getExitsOrThrow("IO"));
        assertEquals(3, metrics.getUptime().getSeconds());
    }

    @Test
    void closingRemovesTheSocketFile() {
        assertTrue(Files.exists(server.socket()));
        server.close();
        assertFalse(Files.exists(server.socket()));
    }

}
