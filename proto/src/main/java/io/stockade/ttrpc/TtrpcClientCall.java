package io.stockade.ttrpc;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.stockade.ttrpc.wire.KeyValue;
import io.stockade.ttrpc.wire.Request;
import io.stockade.ttrpc.wire.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ttrpc stream on the client, seen by grpc stubs as a {@link ClientCall}. Unary and
 * server-streaming calls send their single message inside the Request once the caller half-closes;
 * client-streaming and bidi calls open the stream at start and send Data frames. The deadline (call
 * options or context) travels as {@code timeout_nano} and is also enforced locally. Listener
 * callbacks run one at a time on the call's executor.
 */
final class TtrpcClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
    private static final Logger log = LoggerFactory.getLogger(TtrpcClientCall.class);

    private final ClientConnection connection;
    private final MethodDescriptor<ReqT, RespT> method;
    private final CallOptions options;
    private final Context context;
    private final Executor serializing;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final InboundMessages inbound;
    private volatile int streamId;
    private Listener<RespT> listener;
    private Deadline deadline;
    private ScheduledFuture<?> deadlineTimer;
    private Context.CancellationListener cancellationListener;
    private List<KeyValue> metadata = List.of();
    private ByteString pendingRequest;
    private boolean started;
    private boolean halfClosed;
    private boolean headersDelivered;
    private boolean listenerClosed;

    TtrpcClientCall(
            ClientConnection connection,
            MethodDescriptor<ReqT, RespT> method,
            CallOptions options,
            Executor executor) {
        this.connection = connection;
        this.method = method;
        this.options = options;
        this.context = Context.current();
        this.serializing = MoreExecutors.newSequentialExecutor(executor);
        this.inbound = new InboundMessages(this::deliver, () -> closeListener(Status.OK));
    }

    // ---- ClientCall ----

    @Override
    public void start(Listener<RespT> responseListener, Metadata headers) {
        if (started) {
            throw new IllegalStateException(
                    "call to " + method.getFullMethodName() + " already started");
        }
        started = true;
        listener = responseListener;
        metadata = WireMetadata.toWire(headers);
        deadline = earlier(options.getDeadline(), context.getDeadline());
        Status closedConnection = connection.closedStatus();
        if (closedConnection != null) {
            fail(closedConnection);
            return;
        }
        if (context.isCancelled()) {
            fail(Contexts.statusFromCancelled(context));
            return;
        }
        if (deadline != null) {
            if (deadline.isExpired()) {
                fail(
                        Status.DEADLINE_EXCEEDED.withDescription(
                                "deadline expired before the call to "
                                        + method.getFullMethodName()
                                        + " started"));
                return;
            }
            try {
                deadlineTimer = deadline.runOnExpiration(this::expire, connection.eventLoop());
            } catch (RejectedExecutionException e) {
                fail(
                        Status.UNAVAILABLE.withDescription(
                                "ttrpc channel to " + connection.serverName() + " is closed"));
                return;
            }
        }
        cancellationListener = c -> fail(Contexts.statusFromCancelled(c));
        context.addListener(cancellationListener, MoreExecutors.directExecutor());
        if (!method.getType().clientSendsOneMessage()) {
            openStream(Frame.FLAG_REMOTE_OPEN, ByteString.EMPTY);
        }
        runSerially(
                () -> {
                    if (!listenerClosed && isReady()) {
                        listener.onReady();
                    }
                });
    }

    @Override
    public void request(int numMessages) {
        runSerially(() -> inbound.request(numMessages));
    }

    @Override
    public void cancel(String message, Throwable cause) {
        Status status =
                Status.CANCELLED.withDescription(
                        message != null ? message : "call cancelled without message");
        fail(cause != null ? status.withCause(cause) : status);
    }

    @Override
    public void halfClose() {
        if (!started || halfClosed) {
            throw new IllegalStateException(
                    "halfClose on a call to "
                            + method.getFullMethodName()
                            + (started
                                    ? " that was already half-closed"
                                    : " that was not started"));
        }
        halfClosed = true;
        if (closed.get()) {
            return;
        }
        if (!method.getType().clientSendsOneMessage()) {
            connection.sendData(
                    this, Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA, ByteString.EMPTY);
        } else if (pendingRequest == null) {
            fail(
                    Status.INTERNAL.withDescription(
                            "half-closed a call to "
                                    + method.getFullMethodName()
                                    + " without sending its request message"));
        } else {
            boolean serverStreams = !method.getType().serverSendsOneMessage();
            openStream(serverStreams ? Frame.FLAG_REMOTE_CLOSED : 0, pendingRequest);
            pendingRequest = null;
        }
    }

    @Override
    public void sendMessage(ReqT message) {
        if (!started || halfClosed) {
            throw new IllegalStateException(
                    "sendMessage on a call to "
                            + method.getFullMethodName()
                            + (started ? " after halfClose" : " that was not started"));
        }
        if (closed.get()) {
            return;
        }
        ByteString bytes;
        try {
            bytes = ByteString.readFrom(method.streamRequest(message));
        } catch (IOException e) {
            fail(
                    Status.INTERNAL
                            .withDescription(
                                    "cannot serialize the request for "
                                            + method.getFullMethodName())
                            .withCause(e));
            return;
        }
        if (method.getType().clientSendsOneMessage()) {
            if (pendingRequest != null) {
                fail(
                        Status.INTERNAL.withDescription(
                                method.getFullMethodName() + " takes exactly one request message"));
                return;
            }
            pendingRequest = bytes;
        } else if (bytes.size() > Frame.MAX_PAYLOAD) {
            fail(tooLarge("request message", bytes.size()));
        } else {
            connection.sendData(this, 0, bytes);
        }
    }

    @Override
    public boolean isReady() {
        return !closed.get() && connection.isWritable();
    }

    // ---- from the connection ----

    int streamId() {
        return streamId;
    }

    void assignStreamId(int id) {
        streamId = id;
    }

    boolean isClosed() {
        return closed.get();
    }

    void onResponse(Response response) {
        Status status =
                response.hasStatus() ? WireStatus.fromWire(response.getStatus()) : Status.OK;
        if (!status.isOk()) {
            fail(status);
            return;
        }
        ByteString payload = response.getPayload();
        boolean deliverPayload = method.getType().serverSendsOneMessage() || !payload.isEmpty();
        finishOk(deliverPayload ? payload : null);
    }

    void onData(Frame frame) {
        if (method.getType().serverSendsOneMessage()) {
            connection.forget(this);
            fail(
                    Status.INTERNAL.withDescription(
                            "server "
                                    + connection.serverName()
                                    + " sent a Data frame on stream "
                                    + Integer.toUnsignedString(frame.streamId())
                                    + " of non-streaming method "
                                    + method.getFullMethodName()));
            return;
        }
        if (closed.get()) {
            return;
        }
        boolean last = frame.hasFlag(Frame.FLAG_REMOTE_CLOSED);
        ByteString message = frame.hasFlag(Frame.FLAG_NO_DATA) ? null : frame.payload();
        if (last) {
            finishOk(message);
        } else if (message != null) {
            runSerially(() -> inbound.add(message));
        }
    }

    void onReady() {
        runSerially(
                () -> {
                    if (!listenerClosed && isReady()) {
                        listener.onReady();
                    }
                });
    }

    /**
     * Ends the call with {@code status} now, dropping undelivered messages. Safe from any thread,
     * idempotent.
     */
    void fail(Status status) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cleanUp();
        connection.forget(this);
        runSerially(() -> closeListener(status));
    }

    // ---- internals ----

    private void finishOk(ByteString lastMessage) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cleanUp();
        runSerially(
                () -> {
                    if (lastMessage != null) {
                        inbound.add(lastMessage);
                    }
                    inbound.end();
                });
    }

    private void expire() {
        long overdue = -deadline.timeRemaining(TimeUnit.NANOSECONDS);
        fail(
                Status.DEADLINE_EXCEEDED.withDescription(
                        "deadline exceeded by "
                                + overdue
                                + " ns waiting for "
                                + method.getFullMethodName()
                                + " on stream "
                                + Integer.toUnsignedString(streamId)
                                + " of "
                                + connection.serverName()));
    }

    private void cleanUp() {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
        if (cancellationListener != null) {
            context.removeListener(cancellationListener);
        }
    }

    private void openStream(int flags, ByteString payload) {
        Request.Builder request =
                Request.newBuilder()
                        .setService(method.getServiceName())
                        .setMethod(method.getBareMethodName())
                        .setPayload(payload)
                        .addAllMetadata(metadata);
        if (deadline != null) {
            request.setTimeoutNano(Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
        }
        ByteString encoded = request.build().toByteString();
        if (encoded.size() > Frame.MAX_PAYLOAD) {
            fail(tooLarge("request", encoded.size()));
            return;
        }
        connection.open(this, flags, encoded);
    }

    private Status tooLarge(String what, int size) {
        return Status.RESOURCE_EXHAUSTED.withDescription(
                what
                        + " of "
                        + size
                        + " bytes for "
                        + method.getFullMethodName()
                        + " exceeds the ttrpc maximum of "
                        + Frame.MAX_PAYLOAD
                        + " bytes");
    }

    private void deliver(ByteString bytes) {
        RespT message;
        try {
            message = method.parseResponse(bytes.newInput());
        } catch (RuntimeException e) {
            closed.set(true);
            cleanUp();
            connection.forget(this);
            closeListener(
                    Status.INTERNAL
                            .withDescription(
                                    "cannot parse the response of "
                                            + method.getFullMethodName()
                                            + " from "
                                            + connection.serverName()
                                            + ": "
                                            + e.getMessage())
                            .withCause(e));
            return;
        }
        deliverHeaders();
        listener.onMessage(message);
    }

    private void deliverHeaders() {
        if (!headersDelivered) {
            headersDelivered = true;
            listener.onHeaders(new Metadata());
        }
    }

    /** Runs on the serializing executor; the listener hears onClose exactly once. */
    private void closeListener(Status status) {
        if (listenerClosed || listener == null) {
            return;
        }
        listenerClosed = true;
        inbound.discard();
        if (status.isOk()) {
            deliverHeaders();
        }
        listener.onClose(status, new Metadata());
    }

    private void runSerially(Runnable task) {
        serializing.execute(
                () -> {
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        log.warn(
                                "ttrpc: listener of {} (stream {}) threw",
                                method.getFullMethodName(),
                                Integer.toUnsignedString(streamId),
                                e);
                        closed.set(true);
                        cleanUp();
                        connection.forget(this);
                        if (!listenerClosed) {
                            closeListener(
                                    Status.CANCELLED
                                            .withDescription(
                                                    "listener of "
                                                            + method.getFullMethodName()
                                                            + " threw")
                                            .withCause(e));
                        }
                    }
                });
    }

    private static Deadline earlier(Deadline a, Deadline b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.minimum(b);
    }
}
