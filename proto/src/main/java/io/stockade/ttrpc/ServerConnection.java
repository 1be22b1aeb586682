package io.stockade.ttrpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.stockade.ttrpc.wire.Request;
import io.stockade.ttrpc.wire.Response;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The server end of one ttrpc connection: enforces the stream-id rules, turns Requests into calls
 * dispatched on the handler executor, routes Data frames to their call, and answers bad input with
 * a status on the offending stream. Frame handling runs on the event loop; nothing here blocks.
 */
final class ServerConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

    private final ServiceRegistry registry;
    private final Executor executor;
    private final Map<Integer, TtrpcServerCall<?, ?>> calls = new ConcurrentHashMap<>();
    private volatile Channel channel;
    private volatile Context baseContext = Context.ROOT;
    private volatile Attributes attributes = Attributes.EMPTY;
    private volatile String peerName = "unconnected peer";
    private volatile Status shutdownStatus;
    private long lastStreamId;

    ServerConnection(ServiceRegistry registry, Executor executor) {
        this.registry = registry;
        this.executor = executor;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        PeerCredentials peer = credentialsOf(channel);
        baseContext = Context.ROOT.withValue(TtrpcServer.PEER_CREDENTIALS, peer);
        Attributes.Builder attrs = Attributes.newBuilder();
        if (channel.remoteAddress() != null) {
            attrs.set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, channel.remoteAddress());
        }
        if (channel.localAddress() != null) {
            attrs.set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, channel.localAddress());
        }
        attributes = attrs.build();
        peerName =
                peer != null
                        ? "peer pid "
                                + peer.pid()
                                + " uid "
                                + peer.uid()
                                + " on "
                                + channel.localAddress()
                        : "peer " + channel.remoteAddress() + " on " + channel.localAddress();
        log.debug("ttrpc connection from {}", peerName);
        ctx.fireChannelActive();
    }

    private PeerCredentials credentialsOf(Channel ch) {
        if (!(ch instanceof EpollDomainSocketChannel unix)) {
            return null;
        }
        try {
            io.netty.channel.unix.PeerCredentials kernel = unix.peerCredentials();
            int[] gids = kernel.gids();
            return new PeerCredentials(kernel.pid(), kernel.uid(), gids.length > 0 ? gids[0] : -1);
        } catch (IOException e) {
            log.warn("ttrpc: cannot read SO_PEERCRED of connection {}: {}", ch, e.toString());
            return null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case Frame frame -> onFrame(frame);
            case OversizedFrame oversized -> onOversized(oversized);
            default -> {
                log.warn(
                        "ttrpc {}: unexpected inbound object {}",
                        peerName,
                        msg.getClass().getName());
                ReferenceCountUtil.release(msg);
            }
        }
    }

    private void onFrame(Frame frame) {
        long id = Integer.toUnsignedLong(frame.streamId());
        if (id % 2 == 0) {
            reject(
                    frame.streamId(),
                    Status.INVALID_ARGUMENT.withDescription(
                            "stream id "
                                    + id
                                    + " is even: client-initiated stream ids must be odd"));
            return;
        }
        switch (frame.type()) {
            case REQUEST -> onRequest(frame, id);
            case DATA -> onData(frame);
            case RESPONSE ->
                    log.warn(
                            "ttrpc {}: stream {}: ignoring a Response frame (clients do not send them)",
                            peerName,
                            id);
        }
    }

    private void onRequest(Frame frame, long id) {
        if (id <= lastStreamId) {
            reject(
                    frame.streamId(),
                    Status.INVALID_ARGUMENT.withDescription(
                            "stream id "
                                    + id
                                    + " is not greater than the previous "
                                    + lastStreamId
                                    + ": stream ids cannot be reused and must increase"));
            return;
        }
        lastStreamId = id;
        Status closing = shutdownStatus;
        if (closing != null) {
            reject(frame.streamId(), closing);
            return;
        }
        Request request;
        try {
            request = Request.parseFrom(frame.payload());
        } catch (InvalidProtocolBufferException e) {
            reject(
                    frame.streamId(),
                    Status.INVALID_ARGUMENT.withDescription(
                            "malformed Request: " + e.getMessage()));
            return;
        }
        ServerMethodDefinition<?, ?> method =
                registry.find(request.getService(), request.getMethod());
        if (method == null) {
            reject(
                    frame.streamId(),
                    registry.unimplemented(request.getService(), request.getMethod()));
            return;
        }
        Metadata headers;
        try {
            headers = WireMetadata.fromWire(request.getMetadataList());
        } catch (IllegalArgumentException e) {
            reject(frame.streamId(), Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        }
        TtrpcServerCall<?, ?> call =
                new TtrpcServerCall<>(
                        this,
                        frame.streamId(),
                        method.getMethodDescriptor(),
                        request.getTimeoutNano());
        calls.put(frame.streamId(), call);
        call.start(method, headers, request.getPayload(), frame.flags());
    }

    private void onData(Frame frame) {
        TtrpcServerCall<?, ?> call = calls.get(frame.streamId());
        if (call == null) {
            reject(
                    frame.streamId(),
                    Status.INVALID_ARGUMENT.withDescription(
                            "Data frame for stream "
                                    + Integer.toUnsignedString(frame.streamId())
                                    + ", which is not active"));
            return;
        }
        call.onData(frame);
    }

    private void onOversized(OversizedFrame oversized) {
        Status status = Status.RESOURCE_EXHAUSTED.withDescription(oversized.describe());
        TtrpcServerCall<?, ?> call = calls.get(oversized.streamId());
        if (call != null) {
            log.warn("ttrpc {}: {}", peerName, oversized.describe());
            call.abort(status, true);
        } else {
            reject(oversized.streamId(), status);
        }
    }

    /** Answers a stream that never became a call. */
    private void reject(int streamId, Status status) {
        log.warn(
                "ttrpc {}: stream {}: {} {}",
                peerName,
                Integer.toUnsignedString(streamId),
                status.getCode(),
                status.getDescription());
        write(responseFrame(streamId, status, ByteString.EMPTY));
    }

    static Frame responseFrame(int streamId, Status status, ByteString payload) {
        ByteString response =
                Response.newBuilder()
                        .setStatus(WireStatus.toWire(status))
                        .setPayload(payload)
                        .build()
                        .toByteString();
        return new Frame(streamId, FrameType.RESPONSE, 0, response);
    }

    // ---- used by calls, from any thread ----

    void write(Frame frame) {
        channel.writeAndFlush(frame)
                .addListener(
                        (ChannelFuture f) -> {
                            if (!f.isSuccess() && log.isDebugEnabled()) {
                                log.debug(
                                        "ttrpc {}: could not send {}: {}",
                                        peerName,
                                        frame,
                                        f.cause().toString());
                            }
                        });
    }

    void finished(TtrpcServerCall<?, ?> call) {
        calls.remove(call.streamId(), call);
    }

    boolean isWritable() {
        return channel.isWritable();
    }

    Executor executor() {
        return executor;
    }

    Context baseContext() {
        return baseContext;
    }

    Attributes attributes() {
        return attributes;
    }

    String peerName() {
        return peerName;
    }

    Channel channel() {
        return channel;
    }

    // ---- connection lifecycle ----

    /**
     * Fails every call with {@code status} (told to the client), then closes; completes when the
     * channel closed.
     */
    ChannelFuture shutdown(Status status) {
        shutdownStatus = status;
        channel.eventLoop()
                .execute(
                        () -> {
                            for (TtrpcServerCall<?, ?> call : List.copyOf(calls.values())) {
                                call.abort(status, true);
                            }
                            channel.close();
                        });
        return channel.closeFuture();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            calls.values().forEach(TtrpcServerCall::onReady);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Status closing = shutdownStatus;
        Status status =
                closing != null
                        ? closing
                        : Status.CANCELLED.withDescription(
                                "ttrpc connection from " + peerName + " closed");
        if (!calls.isEmpty()) {
            log.debug(
                    "ttrpc {}: connection closed with {} call(s) in flight",
                    peerName,
                    calls.size());
        }
        for (TtrpcServerCall<?, ?> call : List.copyOf(calls.values())) {
            call.abort(status, false);
        }
        calls.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TtrpcProtocolException) {
            log.warn(
                    "ttrpc {}: protocol error, closing the connection: {}",
                    peerName,
                    cause.getMessage());
        } else {
            log.warn(
                    "ttrpc {}: connection failed, closing it: {}",
                    peerName,
                    cause.toString(),
                    cause);
        }
        ctx.close();
    }
}
