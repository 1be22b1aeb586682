package io.stockade.agent.stdio;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.stockade.transport.Transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Accepts the host's stdio connections (unix socket in process mode, vsock in the guest), reads the
 * header line and hands the connection to the named process's {@link ProcessStdio}. A bad header or
 * an unknown process closes the connection; the reason is logged.
 */
public final class StdioListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StdioListener.class);

    private final Channel listener;
    private final EventLoopGroup group;

    private StdioListener(Channel listener, EventLoopGroup group) {
        this.listener = listener;
        this.group = group;
    }

    /** Listens on {@code address} ({@link DomainSocketAddress} or vsock). */
    public static StdioListener bind(SocketAddress address, StdioTargets targets) {
        EventLoopGroup group = Transport.newEventLoopGroup(1, "stdio-listener");
        ChannelFuture bound =
                new ServerBootstrap()
                        .group(group)
                        .channel(Transport.of(address).serverChannelType())
                        .childHandler(
                                new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        "header-line",
                                                        new LineBasedFrameDecoder(
                                                                StdioHeader.MAX_LENGTH,
                                                                true,
                                                                true));
                                        ch.pipeline().addLast("header", new HeaderHandler(targets));
                                    }
                                })
                        .bind(address)
                        .awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new UncheckedIOException(
                    new IOException(
                            "stdio listener cannot listen on "
                                    + address
                                    + ": "
                                    + bound.cause().getMessage(),
                            bound.cause()));
        }
        return new StdioListener(bound.channel(), group);
    }

    public SocketAddress localAddress() {
        return listener.localAddress();
    }

    /** Stops accepting and closes the attached connections' event loop. */
    @Override
    public void close() {
        SocketAddress address = listener.localAddress();
        listener.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        if (address instanceof DomainSocketAddress unix) {
            try {
                Files.deleteIfExists(Path.of(unix.path()));
            } catch (IOException e) {
                log.warn("cannot remove stdio socket {}: {}", unix.path(), e.toString());
            }
        }
    }

    private static final class HeaderHandler extends SimpleChannelInboundHandler<ByteBuf> {
        private final StdioTargets targets;

        HeaderHandler(StdioTargets targets) {
            this.targets = targets;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            String text = line.toString(StandardCharsets.UTF_8);
            try {
                StdioHeader header = StdioHeader.parse(text);
                ProcessStdio stdio =
                        targets.find(header.containerId(), header.execId())
                                .orElseThrow(
                                        () ->
                                                new IllegalStateException(
                                                        "no process "
                                                                + header.containerId()
                                                                + (header.execId().isEmpty()
                                                                        ? ""
                                                                        : " exec "
                                                                                + header
                                                                                        .execId())));
                stdio.attach(header.stream(), ctx.channel());
                // Remove ourselves before the decoder: the decoder hands bytes after the header
                // line to what follows it.
                ctx.pipeline().remove(this);
                ctx.pipeline().remove("header-line");
                log.debug("attached {} of {}", header.stream().wireName(), stdio.label());
            } catch (IllegalArgumentException | IllegalStateException e) {
                log.warn(
                        "stdio connection from {} refused: {}",
                        ctx.channel().remoteAddress(),
                        e.getMessage());
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn(
                    "stdio connection {} failed before attach: {}",
                    ctx.channel(),
                    cause.toString());
            ctx.close();
        }
    }
}
