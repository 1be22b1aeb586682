package io.stockade.hypervisor.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.hypervisor.devices.legacy.BootTimer;
import io.stockade.hypervisor.vmm.SerialOutput;
import io.stockade.hypervisor.vmm.VirtualMachine;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.proto.vmm.v1.DescribeRequest;
import io.stockade.proto.vmm.v1.ExitReason;
import io.stockade.proto.vmm.v1.MetricsRequest;
import io.stockade.proto.vmm.v1.PauseRequest;
import io.stockade.proto.vmm.v1.ResumeRequest;
import io.stockade.proto.vmm.v1.StopRequest;
import io.stockade.proto.vmm.v1.VmState;
import io.stockade.proto.vmm.v1.VmmGrpc;
import io.stockade.proto.vmm.v1.WaitRequest;
import io.stockade.testkit.l1.Initramfs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control API driving a real guest (inside L1): describe, pause, resume, metrics, stop and wait. */
@Tag("l1")
class VmmApiL1Test {

    static final Duration LIMIT = Duration.ofMinutes(5);
    static final String IDLE_INIT = """
            #!/bin/sh
            mount -t devtmpfs dev /dev
            printf '\\173' | dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null
            while true; do sleep 1; done
            """.formatted(BootTimer.PORT);

    @TempDir
    Path dir;

    @Test
    void controlsARunningGuestOverTheUnixSocket() throws Exception {
        String kernel = System.getProperty("stockade.test.kernel");
        if (kernel == null) {
            fail("-Dstockade.test.kernel=<bzImage> is not set (VmmKvmTierTest passes the L1 kernel)");
        }
        Path initrd = Initramfs.withBusybox().init(IDLE_INIT).writeGzip(dir.resolve("initrd.cpio.gz"));
        VmConfig config = new VmConfig(Path.of(kernel), Optional.of(initrd), VmConfig.DEFAULT_CMDLINE + " loglevel=4",
                1, 128, new SerialOutput.ToFile(dir.resolve("console.log")), Optional.of(dir.resolve("vmm.sock")), true);
        EventLoopGroup clientLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try (VirtualMachine vm = VirtualMachine.create(config, System.nanoTime());
             VmmApiServer server = VmmApiServer.start(config.apiSocket().orElseThrow(), vm)) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(server.socket().toString()))
                    .channelType(EpollDomainSocketChannel.class).eventLoopGroup(clientLoop).usePlaintext().build();
            try {
                var client = VmmGrpc.newBlockingStub(channel);
                assertEquals(VmState.VM_STATE_CREATED, client.describe(DescribeRequest.getDefaultInstance()).getState());
                vm.start();
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (client.describe(DescribeRequest.getDefaultInstance()).getBootToInitNs() == 0) {
                    if (System.nanoTime() > deadline) {
                        fail("the guest did not write the boot timer within " + LIMIT);
                    }
                    Thread.sleep(200);
                }

                client.withDeadlineAfter(1, TimeUnit.MINUTES).pause(PauseRequest.getDefaultInstance());
                assertEquals(VmState.VM_STATE_PAUSED, client.describe(DescribeRequest.getDefaultInstance()).getState());
                client.withDeadlineAfter(1, TimeUnit.MINUTES).resume(ResumeRequest.getDefaultInstance());
                assertEquals(VmState.VM_STATE_RUNNING, client.describe(DescribeRequest.getDefaultInstance()).getState());
                var metrics = client.metrics(MetricsRequest.getDefaultInstance());
                assertTrue(metrics.getExitsOrDefault("IO", 0) > 0, "port I/O exits were counted: " + metrics);

                var waiting = VmmGrpc.newFutureStub(channel).wait(WaitRequest.getDefaultInstance());
                client.stop(StopRequest.getDefaultInstance());
                var exit = waiting.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
                assertEquals(ExitReason.EXIT_REASON_HOST_STOP, exit.getReason(), exit.getMessage());
                assertEquals(VmState.VM_STATE_STOPPED, client.describe(DescribeRequest.getDefaultInstance()).getState());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
