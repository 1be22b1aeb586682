package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.ttrpc.testing.EchoGrpc;
import io.stockade.ttrpc.testing.EchoReply;
import io.stockade.ttrpc.testing.EchoRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

@ExtendWith(NettyLeakCheck.class)
class ConcurrentCallsTest {
    @TempDir Path dir;

    @Test
    void twoHundredCallsOnOneConnectionAnsweredInReverseOrder() throws Exception {
        int calls = 200;
        List<Runnable> answers = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch allArrived = new CountDownLatch(calls);
        EchoGrpc.EchoImplBase holding =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        answers.add(
                                () -> {
                                    replies.onNext(
                                            EchoReply.newBuilder()
                                                    .setText(request.getText())
                                                    .setIndex(request.getCount())
                                                    .build());
                                    replies.onCompleted();
                                });
                        allArrived.countDown();
                    }
                };
        try (Loopback loop = Loopback.serve(dir, holding.bindService())) {
            List<Function<Long, EchoReply>> results = new ArrayList<>();
            List<String> order = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < calls; i++) {
                RecordingObserver observer = new RecordingObserver(order);
                loop.async()
                        .say(
                                EchoRequest.newBuilder().setText("call " + i).setCount(i).build(),
                                observer);
                results.add(observer::await);
            }
            assertTrue(
                    allArrived.await(30, TimeUnit.SECONDS),
                    "every call reached a handler while none was answered");
            List<Runnable> reversed = new ArrayList<>(answers);
            Collections.reverse(reversed);
            reversed.forEach(Runnable::run);
            for (int i = 0; i < calls; i++) {
                EchoReply reply = results.get(i).apply(30L);
                assertEquals(
                        "call " + i,
                        reply.getText(),
                        "each response reaches the call that asked for it");
            }
            assertEquals(calls, order.size());
            assertTrue(
                    order.indexOf("call 0") > order.indexOf("call " + (calls - 1)),
                    "responses really did arrive out of request order");
        }
    }

    @Test
    void aBlockingCallDoesNotHoldUpLaterCalls() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        EchoGrpc.EchoImplBase mixed =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        if (request.getText().equals("wait")) {
                            try {
                                release.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        replies.onNext(EchoReply.newBuilder().setText(request.getText()).build());
                        replies.onCompleted();
                    }
                };
        try (Loopback loop = Loopback.serve(dir, mixed.bindService())) {
            RecordingObserver waiting = new RecordingObserver(new ArrayList<>());
            loop.async().say(EchoRequest.newBuilder().setText("wait").build(), waiting);
            for (int i = 0; i < 20; i++) {
                assertEquals(
                        "fast " + i,
                        loop.blocking()
                                .say(EchoRequest.newBuilder().setText("fast " + i).build())
                                .getText());
            }
            assertEquals(
                    false,
                    waiting.done.await(0, TimeUnit.SECONDS),
                    "the blocked call is still waiting");
            release.countDown();
            assertEquals("wait", waiting.await(30).getText());
        }
    }

    /** Collects one unary reply and the order in which replies arrived across observers. */
    private static final class RecordingObserver implements StreamObserver<EchoReply> {
        final CountDownLatch done = new CountDownLatch(1);
        private final List<String> order;
        private volatile EchoReply reply;
        private volatile Throwable error;

        RecordingObserver(List<String> order) {
            this.order = order;
        }

        @Override
        public void onNext(EchoReply value) {
            reply = value;
            order.add(value.getText());
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            done.countDown();
        }

        @Override
        public void onCompleted() {
            done.countDown();
        }

        EchoReply await(long seconds) {
            try {
                if (!done.await(seconds, TimeUnit.SECONDS)) {
                    throw new AssertionError("no reply within " + seconds + " s");
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            if (error != null) {
                throw new AssertionError("call failed", error);
            }
            return reply;
        }
    }
}
