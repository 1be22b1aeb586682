package io.stockade.hypervisor.api;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.hypervisor.vmm.ManagedVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMM's control API: the gRPC {@code stockade.vmm.v1.Vmm} service on a unix socket, for the sandboxer.
 *
 * <p>One epoll event-loop thread carries the transport; RPCs run on virtual threads because Pause and
 * Stop block until the vCPUs answered. The socket file is created with the process umask and removed on
 * {@link #close()}.
 */
public final class VmmApiServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VmmApiServer.class);

    private final Path socket;
    private final Server server;
    private final EventLoopGroup eventLoop;
    private final ExecutorService executor;

    private VmmApiServer(Path socket, Server server, EventLoopGroup eventLoop, ExecutorService executor) {
        this.socket = socket;
        this.server = server;
        this.eventLoop = eventLoop;
        this.executor = executor;
    }

    /**
     * Serves {@code vm} on {@code socket}.
     *
     * @throws UncheckedIOException if the socket cannot be bound (the message names the path)
     */
    public static VmmApiServer start(Path socket, ManagedVm vm) {
        EventLoopGroup eventLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(eventLoop)
                .workerEventLoopGroup(eventLoop)
                .executor(executor)
                .addService(new VmmService(vm, ProcessHandle.current().pid()))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            eventLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            executor.shutdownNow();
            throw new UncheckedIOException("cannot serve the VMM control API on " + socket, e);
        }
        log.info("control API listening on {}", socket);
        return new VmmApiServer(socket, server, eventLoop, executor);
    }

    public Path socket() {
        return socket;
    }

    /** Stops serving (in-flight calls get a short grace period) and removes the socket file. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.warn("could not remove the control socket {}: {}", socket, e.toString());
        }
    }
}
