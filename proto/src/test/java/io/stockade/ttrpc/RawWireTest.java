package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.ttrpc.testing.EchoGrpc;
import io.stockade.ttrpc.testing.EchoReply;
import io.stockade.ttrpc.testing.EchoRequest;
import io.stockade.ttrpc.wire.KeyValue;
import io.stockade.ttrpc.wire.Request;
import io.stockade.ttrpc.wire.Response;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Hand-made frames over a plain socket, written byte by byte: proves the wire format, not just our
 * own client.
 */
@ExtendWith(NettyLeakCheck.class)
class RawWireTest {
    private static final String SERVICE = "stockade.ttrpc.testing.Echo";

    @TempDir Path dir;
    private Loopback loop;
    private final ExecutorService reader = Executors.newSingleThreadExecutor();

    @BeforeEach
    void serve() {
        EchoGrpc.EchoImplBase echo =
                new StreamingCallTest.StreamingEcho() {
                    @Override
                    public void say(EchoRequest request, StreamObserver<EchoReply> replies) {
                        if (request.getText().equals("never")) {
                            return;
                        }
                        String namespace = TtrpcMetadataCapture.NAMESPACE.get();
                        replies.onNext(
                                EchoReply.newBuilder()
                                        .setText(request.getText() + "@" + namespace)
                                        .build());
                        replies.onCompleted();
                    }
                };
        loop =
                Loopback.serve(
                        dir,
                        io.grpc.ServerInterceptors.intercept(echo, new TtrpcMetadataCapture()));
    }

    @AfterEach
    void stop() {
        reader.shutdownNow();
        loop.close();
    }

    @Test
    void aUnaryCallWrittenByteByByte() throws Exception {
        try (SocketChannel socket = connect()) {
            Request request =
                    Request.newBuilder()
                            .setService(SERVICE)
                            .setMethod("Say")
                            .setPayload(
                                    EchoRequest.newBuilder().setText("raw").build().toByteString())
                            .setTimeoutNano(TimeUnit.SECONDS.toNanos(30))
                            .addMetadata(
                                    KeyValue.newBuilder()
                                            .setKey("containerd-namespace-ttrpc")
                                            .setValue("k8s.io"))
                            .build();
            writeSlowly(socket, frame(1, 1, 0, request.toByteArray()));
            RawFrame answer = read(socket);
            assertEquals(1, answer.streamId);
            assertEquals(2, answer.type);
            assertEquals(0, answer.flags);
            Response response = Response.parseFrom(answer.payload);
            assertEquals(0, response.getStatus().getCode());
            assertEquals("raw@k8s.io", EchoReply.parseFrom(response.getPayload()).getText());
        }
    }

    @Test
    void evenStreamIdsAreRejectedOnThatStream() throws Exception {
        try (SocketChannel socket = connect()) {
            writeSlowly(socket, frame(2, 1, 0, say("x")));
            assertStatus(read(socket), 2, Status.Code.INVALID_ARGUMENT, "stream id 2 is even");
            writeSlowly(socket, frame(3, 1, 0, say("y")));
            assertEquals(3, read(socket).streamId, "the connection survives");
        }
    }

    @Test
    void streamIdsMustIncrease() throws Exception {
        try (SocketChannel socket = connect()) {
            writeSlowly(socket, frame(5, 1, 0, say("a")));
            assertEquals(5, read(socket).streamId);
            writeSlowly(socket, frame(5, 1, 0, say("again")));
            assertStatus(
                    read(socket),
                    5,
                    Status.Code.INVALID_ARGUMENT,
                    "not greater than the previous 5");
            writeSlowly(socket, frame(3, 1, 0, say("older")));
            assertStatus(
                    read(socket),
                    3,
                    Status.Code.INVALID_ARGUMENT,
                    "not greater than the previous 5");
            writeSlowly(socket, frame(7, 1, 0, say("b")));
            assertEquals(7, read(socket).streamId);
        }
    }

    @Test
    void dataForAStreamThatIsNotActiveIsInvalid() throws Exception {
        try (SocketChannel socket = connect()) {
            writeSlowly(socket, frame(9, 3, 0, new byte[] {1, 2}));
            assertStatus(
                    read(socket), 9, Status.Code.INVALID_ARGUMENT, "stream 9, which is not active");
        }
    }

    @Test
    void anOversizedFrameIsDiscardedAndAnsweredOnItsStream() throws Exception {
        try (SocketChannel socket = connect()) {
            int length = Frame.MAX_PAYLOAD + 10;
            ByteBuffer header =
                    ByteBuffer.allocate(10)
                            .putInt(length)
                            .putInt(11)
                            .put((byte) 1)
                            .put((byte) 0)
                            .flip();
            socket.write(header);
            ByteBuffer junk = ByteBuffer.allocate(length);
            while (junk.hasRemaining()) {
                socket.write(junk);
            }
            assertStatus(
                    read(socket), 11, Status.Code.RESOURCE_EXHAUSTED, "exceeds the ttrpc maximum");
            writeSlowly(socket, frame(13, 1, 0, say("after")));
            assertEquals(13, read(socket).streamId, "the connection survives");
        }
    }

    @Test
    void unknownServiceAndMethodAreUnimplemented() throws Exception {
        try (SocketChannel socket = connect()) {
            writeSlowly(
                    socket,
                    frame(
                            1,
                            1,
                            0,
                            Request.newBuilder()
                                    .setService("nope.Service")
                                    .setMethod("M")
                                    .build()
                                    .toByteArray()));
            assertStatus(read(socket), 1, Status.Code.UNIMPLEMENTED, "service nope.Service");
            writeSlowly(
                    socket,
                    frame(
                            3,
                            1,
                            0,
                            Request.newBuilder()
                                    .setService(SERVICE)
                                    .setMethod("Nope")
                                    .build()
                                    .toByteArray()));
            assertStatus(read(socket), 3, Status.Code.UNIMPLEMENTED, "method " + SERVICE + "/Nope");
        }
    }

    @Test
    void aMalformedRequestIsInvalid() throws Exception {
        try (SocketChannel socket = connect()) {
            writeSlowly(socket, frame(1, 1, 0, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}));
            assertStatus(read(socket), 1, Status.Code.INVALID_ARGUMENT, "malformed Request");
        }
    }

    @Test
    void theServerEnforcesTimeoutNano() throws Exception {
        try (SocketChannel socket = connect()) {
            Request request =
                    Request.newBuilder()
                            .setService(SERVICE)
                            .setMethod("Say")
                            .setPayload(
                                    EchoRequest.newBuilder()
                                            .setText("never")
                                            .build()
                                            .toByteString())
                            .setTimeoutNano(TimeUnit.MILLISECONDS.toNanos(100))
                            .build();
            writeSlowly(socket, frame(1, 1, 0, request.toByteArray()));
            assertStatus(
                    read(socket),
                    1,
                    Status.Code.DEADLINE_EXCEEDED,
                    "deadline of 100000000 ns exceeded");
        }
    }

    @Test
    void garbageClosesOnlyThatConnection() throws Exception {
        try (SocketChannel socket = connect()) {
            socket.write(
                    ByteBuffer.wrap(
                            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                                    .getBytes(StandardCharsets.US_ASCII)));
            assertEquals(-1, readEndOfStream(socket), "the server hangs up on a non-ttrpc peer");
        }
        assertEquals(
                "ok@null",
                loop.blocking().say(EchoRequest.newBuilder().setText("ok").build()).getText());
    }

    @Test
    void aTruncatedFrameFollowedByHangingUpLeavesTheServerServing() throws Exception {
        try (SocketChannel socket = connect()) {
            byte[] whole = frame(1, 1, 0, say("cut"));
            socket.write(ByteBuffer.wrap(whole, 0, whole.length - 2));
        }
        assertEquals(
                "ok@null",
                loop.blocking().say(EchoRequest.newBuilder().setText("ok").build()).getText());
    }

    @Test
    void aBidiStreamOnTheWire() throws Exception {
        try (SocketChannel socket = connect()) {
            Request open = Request.newBuilder().setService(SERVICE).setMethod("Chat").build();
            writeSlowly(socket, frame(1, 1, Frame.FLAG_REMOTE_OPEN, open.toByteArray()));
            writeSlowly(
                    socket,
                    frame(1, 3, 0, EchoRequest.newBuilder().setText("one").build().toByteArray()));
            RawFrame first = read(socket);
            assertEquals(3, first.type);
            assertEquals(0, first.flags);
            assertEquals("echo one", EchoReply.parseFrom(first.payload).getText());
            writeSlowly(
                    socket,
                    frame(1, 3, Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA, new byte[0]));
            RawFrame last = read(socket);
            assertEquals(3, last.type);
            assertEquals(Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA, last.flags);
            assertArrayEquals(new byte[0], last.payload);
            writeSlowly(socket, frame(1, 3, 0, new byte[] {10, 1, 'x'}));
            assertStatus(read(socket), 1, Status.Code.INVALID_ARGUMENT, "not active");
        }
    }

    @Test
    void aServerStreamOnTheWire() throws Exception {
        try (SocketChannel socket = connect()) {
            Request request =
                    Request.newBuilder()
                            .setService(SERVICE)
                            .setMethod("Repeat")
                            .setPayload(
                                    EchoRequest.newBuilder()
                                            .setText("r")
                                            .setCount(2)
                                            .build()
                                            .toByteString())
                            .build();
            writeSlowly(socket, frame(1, 1, Frame.FLAG_REMOTE_CLOSED, request.toByteArray()));
            assertEquals(0, EchoReply.parseFrom(read(socket).payload).getIndex());
            assertEquals(1, EchoReply.parseFrom(read(socket).payload).getIndex());
            assertEquals(Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA, read(socket).flags);
        }
    }

    // ---- wire helpers ----

    private record RawFrame(int streamId, int type, int flags, byte[] payload) {}

    private SocketChannel connect() throws IOException {
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(loop.socket));
        return socket;
    }

    private static byte[] say(String text) {
        return Request.newBuilder()
                .setService(SERVICE)
                .setMethod("Say")
                .setPayload(EchoRequest.newBuilder().setText(text).build().toByteString())
                .build()
                .toByteArray();
    }

    private static byte[] frame(int streamId, int type, int flags, byte[] payload) {
        return ByteBuffer.allocate(10 + payload.length)
                .putInt(payload.length)
                .putInt(streamId)
                .put((byte) type)
                .put((byte) flags)
                .put(payload)
                .array();
    }

    private static void writeSlowly(SocketChannel socket, byte[] bytes) throws IOException {
        for (byte b : bytes) {
            socket.write(ByteBuffer.wrap(new byte[] {b}));
        }
    }

    private RawFrame read(SocketChannel socket) throws Exception {
        Future<RawFrame> frame =
                reader.submit(
                        () -> {
                            ByteBuffer header = readFully(socket, 10);
                            int length = header.getInt();
                            int streamId = header.getInt();
                            int type = header.get() & 0xff;
                            int flags = header.get() & 0xff;
                            return new RawFrame(
                                    streamId, type, flags, readFully(socket, length).array());
                        });
        return frame.get(30, TimeUnit.SECONDS);
    }

    private int readEndOfStream(SocketChannel socket) throws Exception {
        return reader.submit(() -> socket.read(ByteBuffer.allocate(1))).get(30, TimeUnit.SECONDS);
    }

    private static ByteBuffer readFully(SocketChannel socket, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (socket.read(buffer) < 0) {
                throw new IOException(
                        "server closed the connection after "
                                + buffer.position()
                                + " of "
                                + length
                                + " bytes");
            }
        }
        return buffer.flip();
    }

    private static void assertStatus(
            RawFrame frame, int streamId, Status.Code code, String messagePart) throws Exception {
        assertEquals(streamId, frame.streamId, "answered on the offending stream");
        assertEquals(2, frame.type, "a Response frame");
        com.google.rpc.Status status =
                Response.parseFrom(ByteString.copyFrom(frame.payload)).getStatus();
        assertEquals(code.value(), status.getCode(), status.getMessage());
        assertTrue(status.getMessage().contains(messagePart), status.getMessage());
    }
}
