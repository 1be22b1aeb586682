package io.stockade.ttrpc;

import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One ttrpc stream on the server, seen by a grpc {@link io.grpc.ServerCallHandler} as a {@link
 * ServerCall}. Listener callbacks run one at a time on the handler executor inside the call's
 * {@link Context} (deadline, cancellation, {@link TtrpcServer#PEER_CREDENTIALS}). Unary and
 * client-streaming results go out as one Response; server-streaming results as Data frames ended by
 * an empty closing Data frame, or by a Response carrying the error status.
 */
final class TtrpcServerCall<ReqT, RespT> extends ServerCall<ReqT, RespT> {
    private static final Logger log = LoggerFactory.getLogger(TtrpcServerCall.class);

    private final ServerConnection connection;
    private final int streamId;
    private final MethodDescriptor<ReqT, RespT> method;
    private final long timeoutNanos;
    private final Context.CancellableContext context;
    private final Executor serializing;
    private final InboundMessages inbound;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean cancelled;
    private Listener<ReqT> listener;
    private ByteString unaryResponse = ByteString.EMPTY;
    private boolean clientHalfClosed;

    TtrpcServerCall(
            ServerConnection connection,
            int streamId,
            MethodDescriptor<ReqT, RespT> method,
            long timeoutNanos) {
        this.connection = connection;
        this.streamId = streamId;
        this.method = method;
        this.timeoutNanos = timeoutNanos;
        Context base = connection.baseContext();
        this.context =
                timeoutNanos != 0
                        ? base.withDeadline(
                                Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS),
                                connection.channel().eventLoop())
                        : base.withCancellation();
        this.serializing = MoreExecutors.newSequentialExecutor(connection.executor());
        this.inbound =
                new InboundMessages(
                        this::deliver,
                        () -> {
                            if (listener != null) {
                                listener.onHalfClose();
                            }
                        });
    }

    int streamId() {
        return streamId;
    }

    /** Starts the handler and feeds it the Request's payload (event loop). */
    @SuppressWarnings("unchecked")
    void start(
            ServerMethodDefinition<?, ?> definition,
            Metadata headers,
            ByteString payload,
            int requestFlags) {
        context.addListener(c -> abort(cancellationStatus(), true), MoreExecutors.directExecutor());
        if (closed.get()) {
            return; // the deadline had passed on arrival
        }
        ServerMethodDefinition<ReqT, RespT> typed =
                (ServerMethodDefinition<ReqT, RespT>) definition;
        runSerially(
                () -> {
                    listener = typed.getServerCallHandler().startCall(this, headers);
                    if (listener == null) {
                        throw new IllegalStateException("startCall returned no listener");
                    }
                    if (isReady()) {
                        listener.onReady();
                    }
                });
        if (method.getType().clientSendsOneMessage()) {
            clientHalfClosed = true;
            runSerially(
                    () -> {
                        inbound.add(payload);
                        inbound.end();
                    });
        } else {
            // A streaming client puts no message in its Request (an empty message encodes as
            // nothing, so skip that too).
            boolean halfClosed = (requestFlags & Frame.FLAG_REMOTE_CLOSED) != 0;
            clientHalfClosed = halfClosed;
            runSerially(
                    () -> {
                        if (!payload.isEmpty()) {
                            inbound.add(payload);
                        }
                        if (halfClosed) {
                            inbound.end();
                        }
                    });
        }
    }

    /** A Data frame from the client (event loop). */
    void onData(Frame frame) {
        if (clientHalfClosed) {
            abort(
                    Status.INVALID_ARGUMENT.withDescription(
                            "Data frame on stream "
                                    + Integer.toUnsignedString(streamId)
                                    + " after the client finished sending ("
                                    + describeMethod()
                                    + ")"),
                    true);
            return;
        }
        boolean last = frame.hasFlag(Frame.FLAG_REMOTE_CLOSED);
        clientHalfClosed = last;
        runSerially(
                () -> {
                    if (!frame.hasFlag(Frame.FLAG_NO_DATA)) {
                        inbound.add(frame.payload());
                    }
                    if (last) {
                        inbound.end();
                    }
                });
    }

    void onReady() {
        if (!closed.get()) {
            runSerially(
                    () -> {
                        if (listener != null && !closed.get()) {
                            listener.onReady();
                        }
                    });
        }
    }

    /**
     * Ends the call without the handler's consent: deadline, client gone, server shutting down, bad
     * client input. The handler sees a cancelled call and context; {@code notifyClient} sends
     * {@code status} on the stream.
     */
    void abort(Status status, boolean notifyClient) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        cancelled = true;
        if (status.getCode() != Status.Code.CANCELLED || notifyClient) {
            log.debug(
                    "ttrpc {}: stream {} ({}) aborted: {}",
                    connection.peerName(),
                    Integer.toUnsignedString(streamId),
                    describeMethod(),
                    status);
        }
        if (notifyClient) {
            connection.write(ServerConnection.responseFrame(streamId, status, ByteString.EMPTY));
        }
        connection.finished(this);
        context.cancel(status.asRuntimeException());
        runSerially(
                () -> {
                    inbound.discard();
                    if (listener != null) {
                        listener.onCancel();
                    }
                });
    }

    private Status cancellationStatus() {
        Deadline deadline = context.getDeadline();
        if (deadline != null && deadline.isExpired()) {
            return Status.DEADLINE_EXCEEDED.withDescription(
                    "deadline of "
                            + timeoutNanos
                            + " ns exceeded on the server ("
                            + describeMethod()
                            + ", stream "
                            + Integer.toUnsignedString(streamId)
                            + ")");
        }
        return Contexts.statusFromCancelled(context);
    }

    private void deliver(ByteString bytes) {
        if (listener == null) {
            return; // startCall failed and closed the call
        }
        ReqT message;
        try {
            message = method.parseRequest(bytes.newInput());
        } catch (RuntimeException e) {
            close(
                    Status.INTERNAL
                            .withDescription(
                                    "cannot parse the request message for "
                                            + describeMethod()
                                            + " on stream "
                                            + Integer.toUnsignedString(streamId)
                                            + ": "
                                            + e.getMessage())
                            .withCause(e),
                    new Metadata());
            return;
        }
        listener.onMessage(message);
    }

    /** Runs listener work one task at a time on the handler executor, inside the call's context. */
    private void runSerially(Runnable task) {
        try {
            serializing.execute(
                    () -> {
                        Context previous = context.attach();
                        try {
                            task.run();
                        } catch (RuntimeException | Error e) {
                            handlerFailed(e);
                        } finally {
                            context.detach(previous);
                        }
                    });
        } catch (RejectedExecutionException e) {
            log.debug(
                    "ttrpc {}: handler executor is shut down; dropping work for stream {}",
                    connection.peerName(),
                    Integer.toUnsignedString(streamId));
        }
    }

    private void handlerFailed(Throwable e) {
        if (closed.get()) {
            log.warn(
                    "ttrpc {}: stream {} ({}): handler threw after the call ended",
                    connection.peerName(),
                    Integer.toUnsignedString(streamId),
                    describeMethod(),
                    e);
            return;
        }
        log.warn(
                "ttrpc {}: stream {} ({}): handler threw",
                connection.peerName(),
                Integer.toUnsignedString(streamId),
                describeMethod(),
                e);
        close(
                Status.UNKNOWN
                        .withDescription("handler for " + describeMethod() + " failed: " + e)
                        .withCause(e),
                new Metadata());
    }

    private String describeMethod() {
        return method.getFullMethodName();
    }

    // ---- ServerCall ----

    @Override
    public void request(int numMessages) {
        runSerially(() -> inbound.request(numMessages));
    }

    @Override
    public void sendHeaders(Metadata headers) {
        // ttrpc has no response headers.
    }

    @Override
    public void sendMessage(RespT message) {
        if (closed.get()) {
            return;
        }
        ByteString bytes;
        try {
            bytes = ByteString.readFrom(method.streamResponse(message));
        } catch (IOException e) {
            close(
                    Status.INTERNAL
                            .withDescription(
                                    "cannot serialize the response of "
                                            + describeMethod()
                                            + ": "
                                            + e)
                            .withCause(e),
                    new Metadata());
            return;
        }
        if (method.getType().serverSendsOneMessage()) {
            unaryResponse = bytes;
            return;
        }
        if (bytes.size() > Frame.MAX_PAYLOAD) {
            close(tooLarge(bytes.size()), new Metadata());
            return;
        }
        connection.write(new Frame(streamId, FrameType.DATA, 0, bytes));
    }

    @Override
    public void close(Status status, Metadata trailers) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        connection.write(finalFrame(status));
        connection.finished(this);
        runSerially(
                () -> {
                    inbound.discard();
                    if (listener != null) {
                        listener.onComplete();
                    }
                    context.cancel(null);
                });
    }

    private Frame finalFrame(Status status) {
        if (status.isOk() && !method.getType().serverSendsOneMessage()) {
            return new Frame(
                    streamId,
                    FrameType.DATA,
                    Frame.FLAG_REMOTE_CLOSED | Frame.FLAG_NO_DATA,
                    ByteString.EMPTY);
        }
        ByteString payload = status.isOk() ? unaryResponse : ByteString.EMPTY;
        if (payload.size() + 64 > Frame.MAX_PAYLOAD) {
            // The envelope adds a few bytes; measure exactly only when it could matter.
            Frame full = null;
            try {
                full = ServerConnection.responseFrame(streamId, status, payload);
            } catch (IllegalArgumentException e) {
                log.warn(
                        "ttrpc {}: stream {} ({}): {}",
                        connection.peerName(),
                        Integer.toUnsignedString(streamId),
                        describeMethod(),
                        e.getMessage());
            }
            return full != null
                    ? full
                    : ServerConnection.responseFrame(
                            streamId, tooLarge(payload.size()), ByteString.EMPTY);
        }
        return ServerConnection.responseFrame(streamId, status, payload);
    }

    private Status tooLarge(int size) {
        return Status.RESOURCE_EXHAUSTED.withDescription(
                "response of "
                        + size
                        + " bytes from "
                        + describeMethod()
                        + " exceeds the ttrpc maximum of "
                        + Frame.MAX_PAYLOAD
                        + " bytes");
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public boolean isReady() {
        return !closed.get() && connection.isWritable();
    }

    @Override
    public MethodDescriptor<ReqT, RespT> getMethodDescriptor() {
        return method;
    }

    @Override
    public Attributes getAttributes() {
        return connection.attributes();
    }

    @Override
    public String getAuthority() {
        return null;
    }
}
