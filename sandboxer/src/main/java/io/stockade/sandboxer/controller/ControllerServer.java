package io.stockade.sandboxer.controller;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.sandboxer.events.ContainerdPublisher;
import io.stockade.sandboxer.runtime.PodRuntime;
import io.stockade.sandboxer.spec.PodFiles;
import io.stockade.sandboxer.store.SandboxStore;
import io.stockade.transport.Transport;

import runtime.v1.Api.PodSandboxConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The Controller gRPC server on its unix socket, over the pods it manages. Starting it re-attaches
 * to the pods in the store; closing it lets go of them without stopping any, so the next sandboxer
 * finds them running.
 */
public final class ControllerServer implements AutoCloseable {
    private static final int EVENT_QUEUE = 4096;

    private final Server server;
    private final ControllerService service;
    private final EventLoopGroup group;
    private final PodManager pods;
    private final ContainerdPublisher publisher;
    private final Path socket;

    private ControllerServer(
            Server server,
            ControllerService service,
            EventLoopGroup group,
            PodManager pods,
            ContainerdPublisher publisher,
            Path socket) {
        this.server = server;
        this.service = service;
        this.group = group;
        this.pods = pods;
        this.publisher = publisher;
        this.socket = socket;
    }

    /**
     * Recovers the stored pods, then serves the Controller on {@code socket}.
     *
     * @param rootDir where pods' runtime dirs go ({@code root_dir})
     * @param containerdTtrpc containerd's ttrpc socket, for events
     * @param podFiles builds a pod's hosts/hostname/resolv.conf from its config
     * @throws UncheckedIOException if the socket cannot be bound (the message names it)
     */
    public static ControllerServer start(
            Path socket,
            Path rootDir,
            SandboxStore store,
            PodRuntime runtime,
            Path containerdTtrpc,
            Function<PodSandboxConfig, PodFiles> podFiles) {
        ContainerdPublisher publisher =
                new ContainerdPublisher(
                        new DomainSocketAddress(containerdTtrpc.toString()), EVENT_QUEUE);
        PodManager pods = new PodManager(rootDir, store, runtime, publisher, podFiles);
        EventLoopGroup group = Transport.newEventLoopGroup(2, "controller-grpc");
        try {
            Files.createDirectories(rootDir);
            pods.recover();
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            ControllerService service = new ControllerService(pods);
            Server server =
                    NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                            .channelType(EpollServerDomainSocketChannel.class)
                            .bossEventLoopGroup(group)
                            .workerEventLoopGroup(group)
                            .maxInboundMessageSize(16 << 20)
                            .addService(
                                    ServerInterceptors.intercept(
                                            service, new NamespaceInterceptor()))
                            .build()
                            .start();
            // Only containerd (root) talks to us.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            return new ControllerServer(server, service, group, pods, publisher, socket);
        } catch (IOException e) {
            pods.close();
            publisher.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new UncheckedIOException(
                    "cannot serve the Controller on " + socket + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            pods.close();
            publisher.close();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    /** Blocks until the server is shut down. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        server.shutdown();
        service.failPendingWaits();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pods.close();
        publisher.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the next start replaces it anyway
        }
    }
}
