package io.stockade.ttrpc;

import io.grpc.ServerServiceDefinition;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.ttrpc.testing.EchoGrpc;

import java.nio.file.Path;

/** A ttrpc server on a unix socket in a test's temp dir, plus one client connection to it. */
final class Loopback implements AutoCloseable {
    final Path socket;
    final TtrpcServer server;
    final TtrpcChannel channel;

    private Loopback(Path socket, TtrpcServer server, TtrpcChannel channel) {
        this.socket = socket;
        this.server = server;
        this.channel = channel;
    }

    static Loopback serve(Path dir, ServerServiceDefinition... services) {
        Path socket = dir.resolve("ttrpc.sock");
        TtrpcServer.Builder builder = TtrpcServer.builder();
        for (ServerServiceDefinition service : services) {
            builder.addService(service);
        }
        TtrpcServer server = builder.bind(new DomainSocketAddress(socket.toString()));
        try {
            return new Loopback(socket, server, TtrpcChannel.connect(server.localAddress()));
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    EchoGrpc.EchoBlockingStub blocking() {
        return EchoGrpc.newBlockingStub(channel);
    }

    EchoGrpc.EchoStub async() {
        return EchoGrpc.newStub(channel);
    }

    @Override
    public void close() {
        channel.close();
        server.close();
    }
}
