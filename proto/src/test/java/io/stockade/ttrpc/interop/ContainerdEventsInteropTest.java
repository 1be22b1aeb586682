package io.stockade.ttrpc.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Timestamp;
import containerd.events.Task.TaskExit;
import containerd.events.Task.TaskOOM;
import containerd.services.events.v1.EventsOuterClass.PublishRequest;
import containerd.services.events.v1.EventsOuterClass.SubscribeRequest;
import containerd.types.Event.Envelope;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.proto.TypeUrls;
import io.stockade.testkit.containerd.ContainerdFixture;
import io.stockade.ttrpc.TtrpcChannel;
import io.stockade.ttrpc.TtrpcMetadata;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Proves our ttrpc client and the vendored event protos against a real containerd 2.1: an event forwarded with ttrpc
 * {@code containerd.services.events.ttrpc.v1.Events/Forward} on containerd's ttrpc socket (what a shim, and
 * Stockade's sandboxer, does) reaches a gRPC {@code containerd.services.events.v1.Events/Subscribe} subscriber and
 * {@code ctr events} unchanged.
 */
@Tag("host")
class ContainerdEventsInteropTest {
    private static final String NAMESPACE = "stockade-interop";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> GRPC_NAMESPACE =
            Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

    private ContainerdFixture daemon;
    private ManagedChannel grpc;
    private ClientCallStreamObserver<SubscribeRequest> subscription;
    private Process ctrEvents;
    private final BlockingQueue<Envelope> subscribed = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> ctrLines = new LinkedBlockingQueue<>();

    @BeforeEach
    void startContainerdAndSubscribe() throws IOException {
        daemon = ContainerdFixture.builder().withoutCri().start();
        grpc = Grpc.newChannelBuilder("unix://" + daemon.grpcSocket(), InsecureChannelCredentials.create())
                .build();
        containerd.services.events.v1.EventsGrpc.newStub(grpc).subscribe(
                SubscribeRequest.newBuilder().addFilters("namespace==" + NAMESPACE).build(),
                new ClientResponseObserver<SubscribeRequest, Envelope>() {
                    @Override
                    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
                        subscription = requestStream;
                    }

                    @Override
                    public void onNext(Envelope envelope) {
                        subscribed.add(envelope);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        ctrEvents = new ProcessBuilder(daemon.ctrCommand("events"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Thread.startVirtualThread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(ctrEvents.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    ctrLines.add(line);
                }
            } catch (IOException e) {
                ctrLines.add("(ctr events output failed: " + e + ")");
            }
        });
        awaitBothSubscribersLive();
    }

    /**
     * Subscriptions are registered asynchronously on containerd's side; publish probe events (over gRPC) until both
     * subscribers have seen one, so the event under test cannot be lost to that race.
     */
    private void awaitBothSubscribersLive() {
        var publisher = containerd.services.events.v1.EventsGrpc.newBlockingStub(grpc)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(namespaceHeader(GRPC_NAMESPACE)));
        Instant deadline = Instant.now().plus(WAIT);
        boolean javaLive = false;
        boolean ctrLive = false;
        while (!(javaLive && ctrLive)) {
            if (Instant.now().isAfter(deadline)) {
                fail("subscribers not live within " + WAIT + " (java " + javaLive + ", ctr " + ctrLive + "); log:\n"
                        + daemon.logTail());
            }
            publisher.publish(PublishRequest.newBuilder()
                    .setTopic("/stockade/probe")
                    .setEvent(TypeUrls.pack(TaskOOM.newBuilder().setContainerId("probe").build()))
                    .build());
            javaLive |= poll(subscribed, e -> e.getTopic().equals("/stockade/probe"), Duration.ofMillis(200)) != null;
            ctrLive |= poll(ctrLines, l -> l.contains("/stockade/probe"), Duration.ofMillis(200)) != null;
        }
        subscribed.clear();
        ctrLines.clear();
    }

    @AfterEach
    void stop() {
        if (ctrEvents != null) {
            ctrEvents.destroy();
        }
        if (subscription != null) {
            subscription.cancel("test done", null);
        }
        if (grpc != null) {
            grpc.shutdownNow();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void taskExitForwardedOverTtrpcReachesGrpcSubscribersAndCtr() throws Exception {
        TaskExit exit = TaskExit.newBuilder()
                .setContainerId("c-interop")
                .setId("exec-7")
                .setPid(4242)
                .setExitStatus(137)
                .setExitedAt(Timestamp.newBuilder().setSeconds(1_750_000_000L).setNanos(123_000))
                .build();
        Timestamp published = Timestamp.newBuilder().setSeconds(1_750_000_001L).setNanos(456_000).build();
        Envelope envelope = Envelope.newBuilder()
                .setTimestamp(published)
                .setNamespace(NAMESPACE)
                .setTopic("/tasks/exit")
                .setEvent(TypeUrls.pack(exit))
                .build();

        try (TtrpcChannel ttrpc = TtrpcChannel.connect(new DomainSocketAddress(daemon.ttrpcSocket().toFile()))) {
            containerd.services.events.ttrpc.v1.EventsGrpc.newBlockingStub(ttrpc)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(
                            namespaceHeader(TtrpcMetadata.NAMESPACE)))
                    .withDeadlineAfter(WAIT.toSeconds(), TimeUnit.SECONDS)
                    .forward(containerd.services.events.ttrpc.v1.EventsOuterClass.ForwardRequest.newBuilder()
                            .setEnvelope(envelope)
                            .build());
        }

        Envelope received = poll(subscribed, e -> e.getTopic().equals("/tasks/exit"), WAIT);
        assertNotNull(received, "no /tasks/exit event reached the gRPC subscriber; log:\n" + daemon.logTail());
        assertEquals(NAMESPACE, received.getNamespace());
        assertEquals("/tasks/exit", received.getTopic());
        assertEquals(published, received.getTimestamp(), "Forward keeps the envelope's own timestamp");
        assertEquals("containerd.events.TaskExit", received.getEvent().getTypeUrl());
        assertEquals(exit, TypeUrls.unpack(received.getEvent(), TaskExit.class));

        // ctr decodes the payload with containerd's own (Go) types: proof the bytes mean the same thing to both sides.
        String line = poll(ctrLines, l -> l.contains("/tasks/exit"), WAIT);
        assertNotNull(line, "ctr events printed no /tasks/exit line");
        assertTrue(line.contains(NAMESPACE), line);
        assertTrue(line.contains("\"container_id\":\"c-interop\""), line);
        assertTrue(line.contains("\"id\":\"exec-7\""), line);
        assertTrue(line.contains("\"pid\":4242"), line);
        assertTrue(line.contains("\"exit_status\":137"), line);
    }

    private static Metadata namespaceHeader(Metadata.Key<String> key) {
        Metadata headers = new Metadata();
        headers.put(key, NAMESPACE);
        return headers;
    }

    /** The first queued item matching {@code wanted} within {@code timeout} (others are dropped), or null. */
    private static <T> T poll(BlockingQueue<T> queue, Predicate<T> wanted, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        try {
            for (Duration left = timeout; !left.isNegative(); left = Duration.between(Instant.now(), deadline)) {
                T item = queue.poll(left.toMillis(), TimeUnit.MILLISECONDS);
                if (item != null && wanted.test(item)) {
                    return item;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
