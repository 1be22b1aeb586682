package io.stockade.sandboxer.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.Empty;

import containerd.services.events.ttrpc.v1.EventsGrpc;
import containerd.services.events.ttrpc.v1.EventsOuterClass.ForwardRequest;
import containerd.types.Event.Envelope;

import io.grpc.stub.StreamObserver;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.ttrpc.TtrpcServer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ContainerdPublisherTest {
    @TempDir Path dir;

    private static Envelope envelope(String topic) {
        return Envelope.newBuilder().setNamespace("k8s.io").setTopic(topic).build();
    }

    private TtrpcServer containerd(List<Envelope> received) {
        return TtrpcServer.builder()
                .addService(
                        new EventsGrpc.EventsImplBase() {
                            @Override
                            public void forward(
                                    ForwardRequest request, StreamObserver<Empty> response) {
                                received.add(request.getEnvelope());
                                response.onNext(Empty.getDefaultInstance());
                                response.onCompleted();
                            }
                        })
                .bind(new DomainSocketAddress(dir.resolve("containerd.ttrpc").toString()));
    }

    @Test
    void forwardsEnvelopesInOrder() throws Exception {
        List<Envelope> received = new CopyOnWriteArrayList<>();
        try (TtrpcServer server = containerd(received);
                ContainerdPublisher publisher =
                        new ContainerdPublisher(server.localAddress(), 16)) {
            for (String topic : List.of("/tasks/create", "/tasks/start", "/tasks/exit")) {
                publisher.publish(envelope(topic));
            }
            awaitForwarded(publisher, 3);
            assertEquals(
                    List.of("/tasks/create", "/tasks/start", "/tasks/exit"),
                    received.stream().map(Envelope::getTopic).toList());
        }
    }

    @Test
    void retriesUntilContainerdIsThereThenDelivers() throws Exception {
        List<Envelope> received = new CopyOnWriteArrayList<>();
        try (ContainerdPublisher publisher =
                new ContainerdPublisher(
                        new DomainSocketAddress(dir.resolve("containerd.ttrpc").toString()), 16)) {
            publisher.publish(envelope("/tasks/oom"));
            Thread.sleep(300);
            try (TtrpcServer server = containerd(received)) {
                awaitForwarded(publisher, 1);
                assertEquals("/tasks/oom", received.getFirst().getTopic());
            }
        }
    }

    @Test
    void dropsWhatDoesNotFitAndWhatNeverGetsThrough() throws Exception {
        try (ContainerdPublisher publisher =
                new ContainerdPublisher(
                        new DomainSocketAddress(dir.resolve("nobody-listens").toString()), 1)) {
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                refused += publisher.publish(envelope("/tasks/exit")) ? 0 : 1;
            }
            assertFalse(refused == 0, "a full queue refuses envelopes");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (publisher.dropped() < 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(
                    10,
                    publisher.dropped(),
                    "every envelope is either forwarded or counted as dropped");
            assertEquals(0, publisher.forwarded());
        }
    }

    private static void awaitForwarded(ContainerdPublisher publisher, long count)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (publisher.forwarded() < count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(count, publisher.forwarded());
    }
}
