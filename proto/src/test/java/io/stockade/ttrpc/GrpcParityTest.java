package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.transport.Transport;
import io.stockade.ttrpc.testing.EchoGrpc;
import io.stockade.ttrpc.testing.EchoReply;
import io.stockade.ttrpc.testing.EchoRequest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service implementation, served by grpc-netty and by ttrpc, gives the same answers to the same
 * stubs.
 */
@ExtendWith(NettyLeakCheck.class)
class GrpcParityTest {
    @TempDir Path dir;

    @Test
    void grpcAndTtrpcAnswerAlike() throws Exception {
        EchoGrpc.EchoImplBase implementation =
                new StreamingCallTest.StreamingEcho() {
                    @Override
                    public void say(
                            EchoRequest request, io.grpc.stub.StreamObserver<EchoReply> replies) {
                        if (request.getText().isEmpty()) {
                            replies.onError(
                                    Status.INVALID_ARGUMENT
                                            .withDescription("empty text")
                                            .asRuntimeException());
                            return;
                        }
                        replies.onNext(
                                EchoReply.newBuilder()
                                        .setText(request.getText().toUpperCase())
                                        .build());
                        replies.onCompleted();
                    }
                };
        EventLoopGroup group = Transport.newEventLoopGroup(1, "grpc-parity");
        DomainSocketAddress grpcAddress =
                new DomainSocketAddress(dir.resolve("grpc.sock").toString());
        Server grpcServer =
                NettyServerBuilder.forAddress(grpcAddress)
                        .channelType(EpollServerDomainSocketChannel.class)
                        .bossEventLoopGroup(group)
                        .workerEventLoopGroup(group)
                        .addService(implementation)
                        .build()
                        .start();
        ManagedChannel grpcChannel =
                NettyChannelBuilder.forAddress(grpcAddress)
                        .channelType(EpollDomainSocketChannel.class)
                        .eventLoopGroup(group)
                        .usePlaintext()
                        .build();
        try (Loopback ttrpc = Loopback.serve(dir, implementation.bindService())) {
            assertEquals(answers(grpcChannel), answers(ttrpc.channel));
        } finally {
            grpcChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            grpcServer.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static List<String> answers(Channel channel) {
        EchoGrpc.EchoBlockingStub stub = EchoGrpc.newBlockingStub(channel);
        List<String> answers = new ArrayList<>();
        answers.add(stub.say(EchoRequest.newBuilder().setText("parity").build()).getText());
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () -> stub.say(EchoRequest.getDefaultInstance()));
        answers.add(e.getStatus().getCode() + ": " + e.getStatus().getDescription());
        stub.repeat(EchoRequest.newBuilder().setText("r").setCount(3).build())
                .forEachRemaining(r -> answers.add(r.getText() + r.getIndex()));
        return answers;
    }
}
