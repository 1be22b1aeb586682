package io.stockade.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Speaks the hybrid vsock preamble on a freshly connected unix socket: sends {@code CONNECT
 * <port>\n}, waits for the VMM's answer line and removes itself once it starts with {@code OK},
 * handing any bytes that followed the line to the next handler. Anything else fails the promise and
 * closes the channel.
 */
final class HybridVSockHandshake extends ChannelInboundHandlerAdapter {
    /**
     * The VMM answers "OK <host port>\n"; anything much longer than that is not a hybrid vsock VMM.
     */
    static final int MAX_ANSWER_LENGTH = 128;

    /**
     * A VMM that accepted the unix connection but never answers would otherwise hang the caller
     * forever.
     */
    static final long ANSWER_TIMEOUT_SECONDS = 10;

    private final HybridVSockAddress target;
    private final Promise<Channel> ready;
    private final ByteBuf answer = Unpooled.buffer(MAX_ANSWER_LENGTH);
    private ScheduledFuture<?> timeout;

    HybridVSockHandshake(HybridVSockAddress target, Promise<Channel> ready) {
        this.target = target;
        this.ready = ready;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timeout =
                ctx.executor()
                        .schedule(
                                () ->
                                        fail(
                                                ctx,
                                                "no answer to CONNECT within "
                                                        + ANSWER_TIMEOUT_SECONDS
                                                        + " s"),
                                ANSWER_TIMEOUT_SECONDS,
                                TimeUnit.SECONDS);
        String request = "CONNECT " + Integer.toUnsignedString(target.port()) + "\n";
        ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII))
                .addListener(
                        f -> {
                            if (!f.isSuccess()) {
                                fail(ctx, "cannot send CONNECT: " + f.cause());
                            }
                        });
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        answer.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            while (in.isReadable()) {
                byte b = in.readByte();
                if (b == '\n') {
                    String line = answer.toString(StandardCharsets.US_ASCII).strip();
                    if (!line.startsWith("OK")) {
                        fail(ctx, "VMM refused: '" + line + "'");
                        return;
                    }
                    if (in.isReadable()) {
                        ctx.fireChannelRead(in.retainedSlice());
                    }
                    ctx.pipeline().remove(this);
                    ready.trySuccess(ctx.channel());
                    return;
                }
                if (answer.readableBytes() == MAX_ANSWER_LENGTH) {
                    fail(
                            ctx,
                            "answer longer than " + MAX_ANSWER_LENGTH + " bytes without a newline");
                    return;
                }
                answer.writeByte(b);
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, "VMM closed the connection before answering");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause.toString());
    }

    private void fail(ChannelHandlerContext ctx, String problem) {
        if (ready.tryFailure(
                new IOException("hybrid vsock handshake with " + target + " failed: " + problem))) {
            ctx.close();
        }
    }
}
