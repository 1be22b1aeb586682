package io.stockade.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.Status;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.stockade.ttrpc.wire.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * The client end of one ttrpc connection: allocates stream ids (odd, increasing, in the order
 * Requests are written), routes Responses and Data frames to their call, and fails every pending
 * call with UNAVAILABLE when the connection dies. Stream state lives on the event loop; calls reach
 * it through {@link #open}, {@link #sendData} and {@link #forget} from any thread.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
    private static final long MAX_STREAM_ID = 0xFFFF_FFFFL;

    private final Map<Integer, TtrpcClientCall<?, ?>> calls = new HashMap<>();
    private long nextStreamId = 1;
    private volatile Channel channel;
    private volatile String serverName = "unconnected server";
    private volatile Status closedStatus;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        serverName = String.valueOf(channel.remoteAddress());
        ctx.fireChannelActive();
    }

    /** The status every call gets once the connection is gone, or null while it is usable. */
    Status closedStatus() {
        return closedStatus;
    }

    boolean isWritable() {
        return channel.isWritable();
    }

    EventLoop eventLoop() {
        return channel.eventLoop();
    }

    String serverName() {
        return serverName;
    }

    /** Gives {@code call} the next stream id and writes its Request frame. */
    void open(TtrpcClientCall<?, ?> call, int flags, ByteString request) {
        onEventLoop(
                call,
                () -> {
                    Status closed = closedStatus;
                    if (closed != null) {
                        call.fail(closed);
                        return;
                    }
                    if (call.isClosed()) {
                        return;
                    }
                    if (nextStreamId > MAX_STREAM_ID) {
                        call.fail(
                                Status.UNAVAILABLE.withDescription(
                                        "ttrpc connection to "
                                                + serverName
                                                + " ran out of stream ids; open a new connection"));
                        return;
                    }
                    int streamId = (int) nextStreamId;
                    nextStreamId += 2;
                    call.assignStreamId(streamId);
                    calls.put(streamId, call);
                    write(call, new Frame(streamId, FrameType.REQUEST, flags, request));
                });
    }

    /** Writes a Data frame on {@code call}'s stream, if the stream is still open. */
    void sendData(TtrpcClientCall<?, ?> call, int flags, ByteString payload) {
        onEventLoop(
                call,
                () -> {
                    int streamId = call.streamId();
                    if (streamId != 0 && calls.get(streamId) == call) {
                        write(call, new Frame(streamId, FrameType.DATA, flags, payload));
                    }
                });
    }

    /**
     * Stops routing frames to {@code call}: ttrpc has no cancel frame, so late answers are dropped.
     */
    void forget(TtrpcClientCall<?, ?> call) {
        onEventLoop(
                call,
                () -> {
                    int streamId = call.streamId();
                    if (streamId != 0) {
                        calls.remove(streamId, call);
                    }
                });
    }

    private void onEventLoop(TtrpcClientCall<?, ?> call, Runnable task) {
        try {
            channel.eventLoop().execute(task);
        } catch (RejectedExecutionException e) {
            call.fail(
                    Status.UNAVAILABLE.withDescription(
                            "ttrpc channel to " + serverName + " is closed"));
        }
    }

    private void write(TtrpcClientCall<?, ?> call, Frame frame) {
        channel.writeAndFlush(frame)
                .addListener(
                        (ChannelFuture f) -> {
                            if (!f.isSuccess()) {
                                call.fail(
                                        Status.UNAVAILABLE
                                                .withDescription(
                                                        "cannot send "
                                                                + frame
                                                                + " to "
                                                                + serverName)
                                                .withCause(f.cause()));
                            }
                        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case Frame frame -> onFrame(frame);
            case OversizedFrame oversized -> {
                TtrpcClientCall<?, ?> call = calls.remove(oversized.streamId());
                log.warn("ttrpc server {}: {}", serverName, oversized.describe());
                if (call != null) {
                    call.fail(
                            Status.RESOURCE_EXHAUSTED.withDescription(
                                    "server " + serverName + " sent a " + oversized.describe()));
                }
            }
            default -> {
                log.warn(
                        "ttrpc server {}: unexpected inbound object {}",
                        serverName,
                        msg.getClass().getName());
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void onFrame(Frame frame) {
        TtrpcClientCall<?, ?> call = calls.get(frame.streamId());
        if (call == null) {
            log.debug(
                    "ttrpc server {}: dropping {} (no such call; cancelled or finished)",
                    serverName,
                    frame);
            return;
        }
        switch (frame.type()) {
            case RESPONSE -> {
                calls.remove(frame.streamId());
                Response response;
                try {
                    response = Response.parseFrom(frame.payload());
                } catch (InvalidProtocolBufferException e) {
                    log.warn(
                            "ttrpc server {}: malformed Response on stream {}: {}",
                            serverName,
                            Integer.toUnsignedString(frame.streamId()),
                            e.getMessage());
                    call.fail(
                            Status.INTERNAL.withDescription(
                                    "malformed Response from "
                                            + serverName
                                            + " on stream "
                                            + Integer.toUnsignedString(frame.streamId())
                                            + ": "
                                            + e.getMessage()));
                    return;
                }
                call.onResponse(response);
            }
            case DATA -> {
                if (frame.hasFlag(Frame.FLAG_REMOTE_CLOSED)) {
                    calls.remove(frame.streamId());
                }
                call.onData(frame);
            }
            case REQUEST ->
                    log.warn(
                            "ttrpc server {}: ignoring a Request frame on stream {} (servers do not open streams)",
                            serverName,
                            Integer.toUnsignedString(frame.streamId()));
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            calls.values().forEach(TtrpcClientCall::onReady);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Status status =
                Status.UNAVAILABLE.withDescription("ttrpc connection to " + serverName + " closed");
        closedStatus = status;
        if (!calls.isEmpty()) {
            log.debug(
                    "ttrpc server {}: connection closed with {} call(s) pending",
                    serverName,
                    calls.size());
        }
        for (TtrpcClientCall<?, ?> call : List.copyOf(calls.values())) {
            call.fail(status);
        }
        calls.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TtrpcProtocolException) {
            log.warn(
                    "ttrpc server {}: protocol error, closing the connection: {}",
                    serverName,
                    cause.getMessage());
        } else {
            log.warn(
                    "ttrpc server {}: connection failed, closing it: {}",
                    serverName,
                    cause.toString(),
                    cause);
        }
        ctx.close();
    }
}
