package io.stockade.sandboxer.main;

import containerd.services.sandbox.v1.ControllerGrpc;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.transport.Transport;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client of the Controller as containerd's sandbox proxy plugin makes it (namespace k8s.io).
 */
final class ControllerClient implements AutoCloseable {
    private final EventLoopGroup group = Transport.newEventLoopGroup(1, "controller-client");
    private final ManagedChannel channel;
    final ControllerGrpc.ControllerBlockingStub stub;

    ControllerClient(Path socket) {
        channel =
                NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        .usePlaintext()
                        .build();
        Metadata headers = new Metadata();
        headers.put(
                Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER),
                "k8s.io");
        stub =
                ControllerGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    /** The stub with a deadline, for calls that must not hang a test. */
    ControllerGrpc.ControllerBlockingStub call() {
        return stub.withDeadlineAfter(120, TimeUnit.SECONDS);
    }

    ControllerGrpc.ControllerFutureStub async() {
        return ControllerGrpc.newFutureStub(channel);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
