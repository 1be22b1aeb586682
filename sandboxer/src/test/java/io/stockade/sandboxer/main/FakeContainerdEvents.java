package io.stockade.sandboxer.main;

import com.google.protobuf.Empty;

import containerd.services.events.ttrpc.v1.EventsGrpc;
import containerd.services.events.ttrpc.v1.EventsOuterClass.ForwardRequest;
import containerd.types.Event.Envelope;

import io.grpc.stub.StreamObserver;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.ttrpc.TtrpcServer;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** containerd's ttrpc Events service, recording what it is forwarded. */
final class FakeContainerdEvents implements AutoCloseable {
    final List<Envelope> received = new CopyOnWriteArrayList<>();
    private final TtrpcServer server;

    FakeContainerdEvents(Path socket) {
        server =
                TtrpcServer.builder()
                        .addService(
                                new EventsGrpc.EventsImplBase() {
                                    @Override
                                    public void forward(
                                            ForwardRequest request,
                                            StreamObserver<Empty> response) {
                                        received.add(request.getEnvelope());
                                        response.onNext(Empty.getDefaultInstance());
                                        response.onCompleted();
                                    }
                                })
                        .bind(new DomainSocketAddress(socket.toString()));
    }

    List<String> topics() {
        return received.stream().map(Envelope::getTopic).toList();
    }

    @Override
    public void close() {
        server.close();
    }
}
