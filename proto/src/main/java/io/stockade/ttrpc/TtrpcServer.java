package io.stockade.ttrpc;

import com.google.common.util.concurrent.ThreadFactoryBuilder;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.transport.Transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A ttrpc server serving grpc-java service implementations ({@link BindableService} / {@link
 * ServerServiceDefinition}) on a unix or vsock socket, so one implementation class can be served
 * over gRPC and over ttrpc. Handlers run on the executor, never on the event loop, so a blocking
 * call does not hold up others on the same connection.
 *
 * <pre>{@code
 * try (TtrpcServer server = TtrpcServer.builder().addService(new TaskService()).bind(address)) { ... }
 * }</pre>
 */
public final class TtrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TtrpcServer.class);

    /**
     * The kernel-reported credentials of the calling process on unix sockets; null for vsock peers.
     */
    public static final Context.Key<PeerCredentials> PEER_CREDENTIALS =
            Context.key("stockade-ttrpc-peer-credentials");

    private final Channel listener;
    private final SocketAddress localAddress;
    private final Set<ServerConnection> connections;
    private final EventLoopGroup ownedGroup;
    private final ExecutorService ownedExecutor;
    private volatile boolean closed;

    private TtrpcServer(
            Channel listener,
            Set<ServerConnection> connections,
            EventLoopGroup ownedGroup,
            ExecutorService ownedExecutor) {
        this.listener = listener;
        this.localAddress = listener.localAddress();
        this.connections = connections;
        this.ownedGroup = ownedGroup;
        this.ownedExecutor = ownedExecutor;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The address the server listens on (for vsock, with the port the kernel chose if it was
     * VMADDR_PORT_ANY).
     */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Stops accepting, fails in-flight calls with UNAVAILABLE (handlers see cancellation), closes
     * every connection, frees the event loop and executor if the server created them, and removes
     * the unix socket file.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.close().awaitUninterruptibly();
        Status shuttingDown =
                Status.UNAVAILABLE.withDescription(
                        "ttrpc server on " + localAddress + " is shutting down");
        List<ChannelFuture> closing = new ArrayList<>();
        for (ServerConnection connection : List.copyOf(connections)) {
            closing.add(connection.shutdown(shuttingDown));
        }
        closing.forEach(ChannelFuture::awaitUninterruptibly);
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        if (localAddress instanceof DomainSocketAddress unix) {
            try {
                Files.deleteIfExists(Path.of(unix.path()));
            } catch (IOException e) {
                log.warn(
                        "ttrpc server: cannot remove socket file {}: {}",
                        unix.path(),
                        e.toString());
            }
        }
        log.debug("ttrpc server on {} closed", localAddress);
    }

    /** Collects services and resources, then {@link #bind}s. */
    public static final class Builder {
        private final List<ServerServiceDefinition> services = new ArrayList<>();
        private Executor executor;
        private EventLoopGroup eventLoopGroup;

        private Builder() {}

        public Builder addService(BindableService service) {
            return addService(service.bindService());
        }

        public Builder addService(ServerServiceDefinition service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** Where handlers run; default: a cached pool of daemon threads, shut down on close. */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * An epoll event loop group to share; default: the server's own single-threaded group, shut
         * down on close.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Starts listening on {@code address} ({@link DomainSocketAddress} or {@code
         * VSockAddress}).
         *
         * @throws UncheckedIOException if the socket cannot be bound (the cause names the errno)
         */
        public TtrpcServer bind(SocketAddress address) {
            Transport transport = Transport.of(address);
            ServiceRegistry registry = new ServiceRegistry(services);
            EventLoopGroup ownedGroup =
                    eventLoopGroup == null ? Transport.newEventLoopGroup(1, "ttrpc-server") : null;
            ExecutorService ownedExecutor =
                    executor == null
                            ? Executors.newCachedThreadPool(
                                    new ThreadFactoryBuilder()
                                            .setDaemon(true)
                                            .setNameFormat("ttrpc-handler-%d")
                                            .build())
                            : null;
            EventLoopGroup group = ownedGroup != null ? ownedGroup : eventLoopGroup;
            Executor handlers = ownedExecutor != null ? ownedExecutor : executor;
            Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
            ServerBootstrap bootstrap =
                    new ServerBootstrap()
                            .group(group)
                            .channel(transport.serverChannelType())
                            .childHandler(
                                    new ChannelInitializer<>() {
                                        @Override
                                        protected void initChannel(Channel ch) {
                                            ServerConnection connection =
                                                    new ServerConnection(registry, handlers);
                                            connections.add(connection);
                                            ch.closeFuture()
                                                    .addListener(
                                                            f -> connections.remove(connection));
                                            ch.pipeline()
                                                    .addLast(
                                                            new FrameDecoder(),
                                                            FrameEncoder.INSTANCE,
                                                            connection);
                                        }
                                    });
            ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
            if (!bound.isSuccess()) {
                if (ownedGroup != null) {
                    ownedGroup.shutdownGracefully(0, 0, TimeUnit.SECONDS);
                }
                if (ownedExecutor != null) {
                    ownedExecutor.shutdown();
                }
                throw new UncheckedIOException(
                        new IOException(
                                "ttrpc server cannot listen on "
                                        + address
                                        + ": "
                                        + bound.cause().getMessage(),
                                bound.cause()));
            }
            TtrpcServer server =
                    new TtrpcServer(bound.channel(), connections, ownedGroup, ownedExecutor);
            log.debug(
                    "ttrpc server listening on {} with services {}",
                    server.localAddress(),
                    services.stream().map(s -> s.getServiceDescriptor().getName()).toList());
            return server;
        }
    }
}
