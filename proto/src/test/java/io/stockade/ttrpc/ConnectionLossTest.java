package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.ttrpc.testing.EchoGrpc;
import io.stockade.ttrpc.testing.EchoReply;
import io.stockade.ttrpc.testing.EchoRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

@ExtendWith(NettyLeakCheck.class)
class ConnectionLossTest {
    @TempDir Path dir;

    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch cancelled = new CountDownLatch(1);
    private final CountDownLatch contextCancelled = new CountDownLatch(1);

    /** "hang" never answers and records its cancellation; anything else is echoed. */
    private final EchoGrpc.EchoImplBase hanging =
            new EchoGrpc.EchoImplBase() {
                @Override
                public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                    if (request.getText().equals("hang")) {
                        ((ServerCallStreamObserver<EchoReply>) replies)
                                .setOnCancelHandler(cancelled::countDown);
                        Context.current()
                                .addListener(c -> contextCancelled.countDown(), Runnable::run);
                        started.countDown();
                        return;
                    }
                    replies.onNext(EchoReply.newBuilder().setText(request.getText()).build());
                    replies.onCompleted();
                }
            };

    @Test
    void aClientThatVanishesMidCallCancelsTheHandler() throws Exception {
        TtrpcServer server =
                TtrpcServer.builder()
                        .addService(hanging)
                        .bind(new DomainSocketAddress(dir.resolve("s.sock").toString()));
        try (server) {
            TtrpcChannel doomed = TtrpcChannel.connect(server.localAddress());
            EchoGrpc.newStub(doomed).say(hang(), new StreamingCallTest.Collector<>());
            assertTrue(started.await(30, TimeUnit.SECONDS));
            doomed.close();
            assertTrue(cancelled.await(30, TimeUnit.SECONDS), "the handler hears onCancel");
            assertTrue(
                    contextCancelled.await(30, TimeUnit.SECONDS),
                    "the handler's context is cancelled");
            try (TtrpcChannel next = TtrpcChannel.connect(server.localAddress())) {
                assertEquals(
                        "still here",
                        EchoGrpc.newBlockingStub(next).say(text("still here")).getText());
            }
        }
    }

    @Test
    void whenTheServerDiesPendingAndLaterCallsFailUnavailable() throws Exception {
        Loopback loop = Loopback.serve(dir, hanging.bindService());
        try {
            StreamingCallTest.Collector<EchoReply> pending = new StreamingCallTest.Collector<>();
            loop.async().say(hang(), pending);
            assertTrue(started.await(30, TimeUnit.SECONDS));
            loop.server.close();
            Throwable failure = pending.awaitEnd();
            assertEquals(
                    Status.Code.UNAVAILABLE,
                    Status.fromThrowable(failure).getCode(),
                    String.valueOf(failure));
            assertTrue(
                    cancelled.await(30, TimeUnit.SECONDS),
                    "the server cancelled its handler on close");
            StatusRuntimeException later =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    loop.blocking()
                                            .withDeadlineAfter(30, TimeUnit.SECONDS)
                                            .say(text("anyone?")));
            assertEquals(Status.Code.UNAVAILABLE, later.getStatus().getCode());
            assertFalse(loop.channel.isOpen());
            assertFalse(Files.exists(loop.socket), "the server removed its socket file");
        } finally {
            loop.close();
        }
    }

    @Test
    void connectingToNothingFailsWithTheAddress() {
        DomainSocketAddress nowhere = new DomainSocketAddress(dir.resolve("none.sock").toString());
        var e =
                assertThrows(
                        java.io.UncheckedIOException.class, () -> TtrpcChannel.connect(nowhere));
        assertTrue(e.getMessage().contains(nowhere.toString()), e.getMessage());
    }

    private static EchoRequest hang() {
        return text("hang");
    }

    private static EchoRequest text(String text) {
        return EchoRequest.newBuilder().setText(text).build();
    }
}
