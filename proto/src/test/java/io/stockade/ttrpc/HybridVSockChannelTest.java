package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.transport.HybridVSockAddress;
import io.stockade.transport.NettyLeakCheck;
import io.stockade.ttrpc.testing.EchoRequest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A ttrpc channel through a hybrid vsock socket: a fake VMM reads {@code CONNECT <port>\n},
 * answers, and then forwards the bytes to a ttrpc server standing in for the guest agent.
 */
@ExtendWith(NettyLeakCheck.class)
class HybridVSockChannelTest {
    @TempDir Path dir;
    private final ExecutorService vmm = Executors.newCachedThreadPool();

    @AfterEach
    void stopVmm() {
        vmm.shutdownNow();
    }

    @Test
    void callsGoThroughTheVmmAfterItSaysOk() throws Exception {
        try (Loopback guest = Loopback.serve(dir, new UnaryCallTest.Greeter().bindService())) {
            Path vsockSocket = dir.resolve("vsock.sock");
            Future<String> connectLine = fakeVmm(vsockSocket, "OK 1073741824\n", guest.socket);
            try (TtrpcChannel channel =
                    TtrpcChannel.connect(new HybridVSockAddress(vsockSocket, 1024))) {
                assertEquals("CONNECT 1024", connectLine.get(30, TimeUnit.SECONDS));
                assertEquals(
                        "hello vm",
                        io.stockade.ttrpc.testing.EchoGrpc.newBlockingStub(channel)
                                .say(EchoRequest.newBuilder().setText("vm").build())
                                .getText());
            }
        }
    }

    @Test
    void aRefusalFailsTheConnectWithTheVmmsAnswer() throws Exception {
        Path vsockSocket = dir.resolve("vsock.sock");
        fakeVmm(vsockSocket, "NOPE no listener\n", null);
        UncheckedIOException e =
                assertThrows(
                        UncheckedIOException.class,
                        () -> TtrpcChannel.connect(new HybridVSockAddress(vsockSocket, 1024)));
        assertTrue(e.getMessage().contains("VMM refused: 'NOPE no listener'"), e.getMessage());
    }

    /**
     * Accepts one connection, returns the CONNECT line, answers, then (if given) splices to {@code
     * guest}.
     */
    private Future<String> fakeVmm(Path socket, String answer, Path guest) throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listener.bind(UnixDomainSocketAddress.of(socket));
        return vmm.submit(
                () -> {
                    SocketChannel host;
                    try (listener) {
                        host = listener.accept();
                    }
                    StringBuilder line = new StringBuilder();
                    ByteBuffer one = ByteBuffer.allocate(1);
                    while (host.read(one.clear()) > 0 && one.get(0) != '\n') {
                        line.append((char) one.get(0));
                    }
                    host.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.US_ASCII)));
                    if (guest == null) {
                        host.close();
                    } else {
                        // The channels stay open for the pumps; the test closing its TtrpcChannel
                        // ends them.
                        SocketChannel agent = SocketChannel.open(UnixDomainSocketAddress.of(guest));
                        vmm.submit(() -> pump(agent, host));
                        vmm.submit(() -> pump(host, agent));
                    }
                    return line.toString();
                });
    }

    private static Void pump(SocketChannel from, SocketChannel to) throws IOException {
        try (from;
                to) {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (from.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
            }
        }
        return null;
    }
}
