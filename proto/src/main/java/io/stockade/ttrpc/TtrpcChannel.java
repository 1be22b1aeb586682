package io.stockade.ttrpc;

import com.google.common.util.concurrent.ThreadFactoryBuilder;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.stockade.transport.Transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A ttrpc client connection usable as a grpc {@link io.grpc.Channel}: generated stubs ({@code
 * XxxGrpc.newBlockingStub}, async and streaming) make their calls over ttrpc. One connection
 * carries any number of concurrent calls. Call deadlines travel as ttrpc {@code timeout_nano};
 * ASCII metadata travels as ttrpc metadata (see {@link TtrpcMetadata#NAMESPACE}). When the
 * connection dies, pending and later calls fail with UNAVAILABLE.
 */
public final class TtrpcChannel extends io.grpc.Channel implements AutoCloseable {
    private final Channel channel;
    private final ClientConnection connection;
    private final SocketAddress address;
    private final EventLoopGroup ownedGroup;

    private TtrpcChannel(Channel channel, SocketAddress address, EventLoopGroup ownedGroup) {
        this.channel = channel;
        this.connection = channel.pipeline().get(ClientConnection.class);
        this.address = address;
        this.ownedGroup = ownedGroup;
    }

    /**
     * Connects to {@code address} (unix, vsock or hybrid vsock) with a private single-threaded
     * event loop, blocking until the connection is ready.
     *
     * @throws UncheckedIOException if the connection cannot be made (the cause names the address
     *     and errno)
     */
    public static TtrpcChannel connect(SocketAddress address) {
        EventLoopGroup group = Transport.newEventLoopGroup(1, "ttrpc-client");
        try {
            return connect(address, group, group);
        } catch (RuntimeException | Error e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * Like {@link #connect(SocketAddress)}, on a shared epoll event loop group that the caller
     * keeps owning.
     */
    public static TtrpcChannel connect(SocketAddress address, EventLoopGroup group) {
        return connect(address, group, null);
    }

    private static TtrpcChannel connect(
            SocketAddress address, EventLoopGroup group, EventLoopGroup ownedGroup) {
        Bootstrap bootstrap =
                new Bootstrap()
                        .group(group)
                        .handler(
                                new ChannelInitializer<>() {
                                    @Override
                                    protected void initChannel(Channel ch) {
                                        ch.pipeline()
                                                .addLast(
                                                        new FrameDecoder(),
                                                        FrameEncoder.INSTANCE,
                                                        new ClientConnection());
                                    }
                                });
        Future<Channel> ready = Transport.connect(bootstrap, address).awaitUninterruptibly();
        if (!ready.isSuccess()) {
            Throwable cause = ready.cause();
            throw new UncheckedIOException(
                    new IOException(
                            "cannot open a ttrpc connection to "
                                    + address
                                    + ": "
                                    + cause.getMessage(),
                            cause));
        }
        return new TtrpcChannel(ready.getNow(), address, ownedGroup);
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(
            MethodDescriptor<ReqT, RespT> method, CallOptions options) {
        Executor executor =
                options.getExecutor() != null ? options.getExecutor() : DefaultExecutor.INSTANCE;
        return new TtrpcClientCall<>(connection, method, options, executor);
    }

    @Override
    public String authority() {
        return address.toString();
    }

    /** Whether the connection is still up. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /**
     * Closes the connection (pending calls fail with UNAVAILABLE) and the private event loop, if
     * any.
     */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    @Override
    public String toString() {
        return "TtrpcChannel[" + address + (isOpen() ? "" : ", closed") + "]";
    }

    /**
     * Where listener callbacks run when the call options name no executor; threads die when idle.
     */
    private static final class DefaultExecutor {
        static final ExecutorService INSTANCE =
                Executors.newCachedThreadPool(
                        new ThreadFactoryBuilder()
                                .setDaemon(true)
                                .setNameFormat("ttrpc-client-%d")
                                .build());
    }
}
