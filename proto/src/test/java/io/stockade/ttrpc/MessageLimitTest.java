package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;

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

/** The 4 MiB frame limit in both directions; the connection keeps working afterwards. */
@ExtendWith(NettyLeakCheck.class)
class MessageLimitTest {
    private static final int NEARLY_FOUR_MIB = Frame.MAX_PAYLOAD - 1024;
    private static final int OVER_FOUR_MIB = Frame.MAX_PAYLOAD + 1;

    @TempDir Path dir;

    /** Replies with a blob of the requested size. */
    private final EchoGrpc.EchoImplBase sized =
            new EchoGrpc.EchoImplBase() {
                @Override
                public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                    replies.onNext(
                            EchoReply.newBuilder()
                                    .setIndex(request.getBlob().size())
                                    .setBlob(ByteString.copyFrom(new byte[request.getCount()]))
                                    .build());
                    replies.onCompleted();
                }
            };

    @Test
    void messagesJustUnderTheLimitPassBothWays() {
        try (Loopback loop = Loopback.serve(dir, sized.bindService())) {
            EchoReply reply = loop.blocking().say(request(NEARLY_FOUR_MIB, NEARLY_FOUR_MIB));
            assertEquals(NEARLY_FOUR_MIB, reply.getIndex());
            assertEquals(NEARLY_FOUR_MIB, reply.getBlob().size());
        }
    }

    @Test
    void theClientRefusesToSendAnOversizedRequest() {
        try (Loopback loop = Loopback.serve(dir, sized.bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () -> loop.blocking().say(request(OVER_FOUR_MIB, 0)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertTrue(
                    e.getStatus()
                            .getDescription()
                            .contains("exceeds the ttrpc maximum of 4194304 bytes"),
                    e.getStatus().getDescription());
            assertEquals(
                    1, loop.blocking().say(request(1, 0)).getIndex(), "the connection still works");
            assertTrue(loop.channel.isOpen());
        }
    }

    @Test
    void theServerAnswersResourceExhaustedInsteadOfAnOversizedResponse() {
        try (Loopback loop = Loopback.serve(dir, sized.bindService())) {
            StatusRuntimeException e =
                    assertThrows(
                            StatusRuntimeException.class,
                            () -> loop.blocking().say(request(0, OVER_FOUR_MIB)));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            assertEquals(
                    3, loop.blocking().say(request(3, 0)).getIndex(), "the connection still works");
        }
    }

    private static EchoRequest request(int blobSize, int replySize) {
        return EchoRequest.newBuilder()
                .setBlob(ByteString.copyFrom(new byte[blobSize]))
                .setCount(replySize)
                .build();
    }
}
