/*
 * The AOT training workload for the guest agent, run by build-rootfs.sh with the JDK's source
 * launcher (java -cp 'lib/*' AgentTraining.java <agent.sock> <bundle dir>): it waits for a freshly
 * started agent, walks the calls a pod's start makes (Health, Version, Task Connect/State, a Create
 * that parses an OCI config.json and fails in the runtime, GuestMetrics), then asks the agent to
 * shut down so the JVM writes its AOT cache on exit.
 */

import containerd.task.v3.Shim.ConnectRequest;
import containerd.task.v3.Shim.CreateTaskRequest;
import containerd.task.v3.Shim.ShutdownRequest;
import containerd.task.v3.Shim.StateRequest;
import containerd.task.v3.TaskGrpc;

import io.grpc.StatusRuntimeException;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.GuestMetricsRequest;
import io.stockade.proto.agent.v1.HealthRequest;
import io.stockade.proto.agent.v1.VersionRequest;
import io.stockade.ttrpc.TtrpcChannel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

public final class AgentTraining {
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: AgentTraining <agent.sock> <bundle dir>");
            System.exit(2);
        }
        Path socket = Path.of(args[0]);
        Path bundle = Path.of(args[1]);
        try (TtrpcChannel channel = connect(socket)) {
            AgentGrpc.AgentBlockingStub agent = AgentGrpc.newBlockingStub(channel);
            TaskGrpc.TaskBlockingStub tasks = TaskGrpc.newBlockingStub(channel);
            for (int round = 0; round < 20; round++) {
                String id = "training-" + round;
                require(agent.health(HealthRequest.getDefaultInstance()).getReady(), "Health not ready");
                agent.version(VersionRequest.getDefaultInstance());
                agent.guestMetrics(GuestMetricsRequest.getDefaultInstance());
                expectError(() -> tasks.connect(ConnectRequest.newBuilder().setId("training").build()));
                expectError(() -> tasks.state(StateRequest.newBuilder().setId("training").build()));
                expectError(
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(id)
                                                .setBundle(bundle.toString())
                                                .build()));
            }
            try {
                tasks.shutdown(ShutdownRequest.newBuilder().setId("training").build());
            } catch (StatusRuntimeException e) {
                // The agent may close the connection before the empty reply is flushed; whether it
                // really stops is checked by build-rootfs.sh waiting for its exit.
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) {
                    throw e;
                }
            }
        }
    }

    private static TtrpcChannel connect(Path socket) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            if (Files.exists(socket)) {
                try {
                    return TtrpcChannel.connect(new DomainSocketAddress(socket.toString()));
                } catch (RuntimeException notYetListening) {
                    // the socket file appears at bind(), before listen()
                }
            }
            if (System.nanoTime() - start > DEADLINE_NANOS) {
                throw new IllegalStateException("agent did not listen on " + socket + " within 60 s");
            }
            Thread.sleep(20);
        }
    }

    private static void expectError(Runnable call) {
        try {
            call.run();
            throw new IllegalStateException("training call unexpectedly succeeded");
        } catch (StatusRuntimeException expected) {
            // the error path (NotFound, runtime failure) is part of the workload
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
