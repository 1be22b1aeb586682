package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

@ExtendWith(NettyLeakCheck.class)
class StreamingCallTest {
    @TempDir Path dir;

    @Test
    void serverStreamingDeliversEveryMessageThenEnds() {
        try (Loopback loop = Loopback.serve(dir, new StreamingEcho().bindService())) {
            List<String> texts = new ArrayList<>();
            loop.blocking()
                    .repeat(EchoRequest.newBuilder().setText("x").setCount(5).build())
                    .forEachRemaining(r -> texts.add(r.getText() + r.getIndex()));
            assertEquals(List.of("x0", "x1", "x2", "x3", "x4"), texts);
        }
    }

    @Test
    void anEmptyServerStreamEndsCleanly() {
        try (Loopback loop = Loopback.serve(dir, new StreamingEcho().bindService())) {
            assertTrue(
                    !loop.blocking()
                            .repeat(EchoRequest.newBuilder().setCount(0).build())
                            .hasNext());
        }
    }

    @Test
    void aServerStreamThatFailsMidwayEndsWithItsStatus() {
        try (Loopback loop = Loopback.serve(dir, new StreamingEcho().bindService())) {
            Iterator<EchoReply> replies =
                    loop.blocking()
                            .repeat(EchoRequest.newBuilder().setText("x").setCount(-2).build());
            assertEquals(0, replies.next().getIndex());
            assertEquals(1, replies.next().getIndex());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, replies::next);
            assertEquals(Status.Code.OUT_OF_RANGE, e.getStatus().getCode());
            assertEquals("stopped after 2", e.getStatus().getDescription());
        }
    }

    @Test
    void clientStreamingGetsOneAnswerForAllMessages() throws Exception {
        try (Loopback loop = Loopback.serve(dir, new StreamingEcho().bindService())) {
            Collector<EchoReply> result = new Collector<>();
            StreamObserver<EchoRequest> requests = loop.async().join(result);
            for (String word : List.of("a", "b", "c")) {
                requests.onNext(EchoRequest.newBuilder().setText(word).build());
            }
            requests.onCompleted();
            assertEquals("abc", result.take().getText());
            assertTrue(result.awaitEnd() == null, "completed without error");
        }
    }

    @Test
    void bidiEchoesEachMessageAsItArrives() throws Exception {
        try (Loopback loop = Loopback.serve(dir, new StreamingEcho().bindService())) {
            Collector<EchoReply> replies = new Collector<>();
            StreamObserver<EchoRequest> requests = loop.async().chat(replies);
            for (int i = 0; i < 3; i++) {
                requests.onNext(EchoRequest.newBuilder().setText("m" + i).build());
                assertEquals(
                        "echo m" + i,
                        replies.take().getText(),
                        "answered before the client finished sending");
            }
            requests.onCompleted();
            assertTrue(
                    replies.awaitEnd() == null, "the server ends the stream when the client does");
        }
    }

    /**
     * Repeat: count replies (negative: fail after -count). Join: concatenation. Chat: "echo " +
     * each text.
     */
    static class StreamingEcho extends EchoGrpc.EchoImplBase {
        @Override
        public void repeat(EchoRequest request, StreamObserver<EchoReply> replies) {
            int count = Math.abs(request.getCount());
            for (int i = 0; i < count; i++) {
                replies.onNext(
                        EchoReply.newBuilder().setText(request.getText()).setIndex(i).build());
            }
            if (request.getCount() < 0) {
                replies.onError(
                        Status.OUT_OF_RANGE
                                .withDescription("stopped after " + count)
                                .asRuntimeException());
            } else {
                replies.onCompleted();
            }
        }

        @Override
        public StreamObserver<EchoRequest> join(StreamObserver<EchoReply> reply) {
            StringBuilder joined = new StringBuilder();
            return new StreamObserver<>() {
                @Override
                public void onNext(EchoRequest value) {
                    joined.append(value.getText());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    reply.onNext(EchoReply.newBuilder().setText(joined.toString()).build());
                    reply.onCompleted();
                }
            };
        }

        @Override
        public StreamObserver<EchoRequest> chat(StreamObserver<EchoReply> replies) {
            return new StreamObserver<>() {
                @Override
                public void onNext(EchoRequest value) {
                    replies.onNext(
                            EchoReply.newBuilder().setText("echo " + value.getText()).build());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    replies.onCompleted();
                }
            };
        }
    }

    /** A StreamObserver that queues what it receives for the test thread. */
    static final class Collector<T> implements StreamObserver<T> {
        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        private static final Object COMPLETED = new Object();

        @Override
        public void onNext(T value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            events.add(t);
        }

        @Override
        public void onCompleted() {
            events.add(COMPLETED);
        }

        @SuppressWarnings("unchecked")
        T take() throws InterruptedException {
            Object event = next();
            if (event instanceof Throwable t) {
                throw new AssertionError("stream failed", t);
            }
            if (event == COMPLETED) {
                throw new AssertionError("stream completed; expected a message");
            }
            return (T) event;
        }

        /** Null when the stream completed, the error when it failed. */
        Throwable awaitEnd() throws InterruptedException {
            Object event = next();
            if (event == COMPLETED) {
                return null;
            }
            if (event instanceof Throwable t) {
                return t;
            }
            throw new AssertionError("unexpected message " + event);
        }

        private Object next() throws InterruptedException {
            Object event = events.poll(30, TimeUnit.SECONDS);
            if (event == null) {
                throw new AssertionError("nothing arrived within 30 s");
            }
            return event;
        }
    }
}
