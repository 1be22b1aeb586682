package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.ttrpc.testing.EchoGrpc;
import io.stockade.ttrpc.testing.EchoReply;
import io.stockade.ttrpc.testing.EchoRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

@ExtendWith(NettyLeakCheck.class)
class UnaryCallTest {
    @TempDir Path dir;

    @Test
    void generatedBlockingStubCallsAGrpcServiceOverTtrpc() {
        try (Loopback loop = Loopback.serve(dir, new Greeter().bindService())) {
            EchoReply reply =
                    loop.blocking().say(EchoRequest.newBuilder().setText("world").build());
            assertEquals("hello world", reply.getText());
        }
    }

    @Test
    void emptyMessagesTravelAsZeroLengthPayloads() {
        try (Loopback loop = Loopback.serve(dir, new Greeter().bindService())) {
            assertEquals("hello ", loop.blocking().say(EchoRequest.getDefaultInstance()).getText());
        }
    }

    @Test
    void anErrorStatusReachesTheCallerWithItsMessage() {
        EchoGrpc.EchoImplBase failing =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        replies.onError(
                                Status.NOT_FOUND
                                        .withDescription("no container " + request.getText())
                                        .asRuntimeException());
                    }
                };
        try (Loopback loop = Loopback.serve(dir, failing.bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    loop.blocking()
                                            .say(EchoRequest.newBuilder().setText("abc").build()));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
            assertEquals("no container abc", e.getStatus().getDescription());
        }
    }

    @Test
    void aThrowingHandlerFailsOnlyItsCallWithUnknown() {
        EchoGrpc.EchoImplBase throwing =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        if (request.getText().equals("boom")) {
                            throw new IllegalStateException("boom");
                        }
                        replies.onNext(EchoReply.newBuilder().setText("fine").build());
                        replies.onCompleted();
                    }
                };
        try (Loopback loop = Loopback.serve(dir, throwing.bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    loop.blocking()
                                            .say(EchoRequest.newBuilder().setText("boom").build()));
            assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
            assertEquals("fine", loop.blocking().say(EchoRequest.getDefaultInstance()).getText());
        }
    }

    @Test
    void metadataReachesTheHandlerAsGrpcHeaders() {
        AtomicReference<Metadata> seen = new AtomicReference<>();
        ServerInterceptor capture =
                new ServerInterceptor() {
                    @Override
                    public <Q, R> ServerCall.Listener<Q> interceptCall(
                            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                        seen.set(headers);
                        return next.startCall(call, headers);
                    }
                };
        Metadata sent = new Metadata();
        sent.put(TtrpcMetadata.NAMESPACE, "k8s.io");
        try (Loopback loop =
                Loopback.serve(dir, ServerInterceptors.intercept(new Greeter(), capture))) {
            loop.blocking()
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent))
                    .say(EchoRequest.getDefaultInstance());
            assertEquals("k8s.io", seen.get().get(TtrpcMetadata.NAMESPACE));
        }
    }

    @Test
    void theClientDeadlineBecomesTheHandlersContextDeadlineAndIsEnforced() throws Exception {
        AtomicReference<Deadline> handlerDeadline = new AtomicReference<>();
        CountDownLatch handlerCancelled = new CountDownLatch(1);
        EchoGrpc.EchoImplBase stalling =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        handlerDeadline.set(Context.current().getDeadline());
                        Context.current()
                                .addListener(c -> handlerCancelled.countDown(), Runnable::run);
                    }
                };
        try (Loopback loop = Loopback.serve(dir, stalling.bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    loop.blocking()
                                            .withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                                            .say(EchoRequest.getDefaultInstance()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            assertTrue(
                    handlerCancelled.await(10, TimeUnit.SECONDS),
                    "the handler's context is cancelled");
            assertNotNull(handlerDeadline.get(), "timeout_nano became a context deadline");
        }
    }

    @Test
    void aCallWhoseDeadlineAlreadyPassedFailsWithoutReachingTheServer() {
        try (Loopback loop = Loopback.serve(dir, new Greeter().bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    loop.blocking()
                                            .withDeadline(Deadline.after(-1, TimeUnit.SECONDS))
                                            .say(EchoRequest.getDefaultInstance()));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        }
    }

    @Test
    void handlersSeeTheCallersPeerCredentials() {
        AtomicReference<PeerCredentials> seen = new AtomicReference<>();
        EchoGrpc.EchoImplBase recording =
                new EchoGrpc.EchoImplBase() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        seen.set(TtrpcServer.PEER_CREDENTIALS.get());
                        replies.onNext(EchoReply.getDefaultInstance());
                        replies.onCompleted();
                    }
                };
        try (Loopback loop = Loopback.serve(dir, recording.bindService())) {
            loop.blocking().say(EchoRequest.getDefaultInstance());
            assertEquals(ProcessHandle.current().pid(), seen.get().pid(), "this JVM made the call");
            assertEquals(new com.sun.security.auth.module.UnixSystem().getUid(), seen.get().uid());
        }
    }

    @Test
    void unknownServicesAndMethodsAreUnimplemented() {
        try (Loopback loop = Loopback.serve(dir, new Greeter().bindService())) {
            StatusRuntimeException noService =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    ClientCalls.blockingUnaryCall(
                                            loop.channel,
                                            renamed("containerd.task.v3.Task/Create"),
                                            CallOptions.DEFAULT,
                                            EchoRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, noService.getStatus().getCode());
            assertEquals("service containerd.task.v3.Task", noService.getStatus().getDescription());
            StatusRuntimeException noMethod =
                    assertThrows(
                            StatusRuntimeException.class,
                            () ->
                                    ClientCalls.blockingUnaryCall(
                                            loop.channel,
                                            renamed("stockade.ttrpc.testing.Echo/Shout"),
                                            CallOptions.DEFAULT,
                                            EchoRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNIMPLEMENTED, noMethod.getStatus().getCode());
            assertEquals(
                    "method stockade.ttrpc.testing.Echo/Shout",
                    noMethod.getStatus().getDescription());
        }
    }

    private static MethodDescriptor<EchoRequest, EchoReply> renamed(String fullName) {
        return EchoGrpc.getSayMethod().toBuilder().setFullMethodName(fullName).build();
    }

    /** Answers "hello " + text. */
    static final class Greeter extends EchoGrpc.EchoImplBase {
        @Override
        public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
            replies.onNext(EchoReply.newBuilder().setText("hello " + request.getText()).build());
            replies.onCompleted();
        }
    }
}
