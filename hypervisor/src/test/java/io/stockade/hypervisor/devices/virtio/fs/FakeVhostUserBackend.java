package io.stockade.hypervisor.devices.virtio.fs;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal vhost-user backend on a unix socket for unit tests of {@link VirtioFs}: answers GET_FEATURES,
 * GET_PROTOCOL_FEATURES and GET_QUEUE_NUM with configured values, acknowledges NEED_REPLY requests, records the
 * request codes it saw. Descriptors sent to it are discarded by the kernel (Java channels do not receive them).
 */
final class FakeVhostUserBackend implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path socket;
    private final long features;
    private final long protocolFeatures;
    private final long queueNum;
    private final List<Integer> requests = new CopyOnWriteArrayList<>();
    private final Thread thread;

    FakeVhostUserBackend(Path socket, long features, long protocolFeatures, long queueNum) throws IOException {
        this.socket = socket;
        this.features = features;
        this.protocolFeatures = protocolFeatures;
        this.queueNum = queueNum;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.thread = Thread.ofPlatform().daemon().name("fake-vhost-user").start(this::serve);
    }

    Path socket() {
        return socket;
    }

    List<Integer> requests() {
        return List.copyOf(requests);
    }

    private void serve() {
        try (SocketChannel peer = server.accept()) {
            while (true) {
                ByteBuffer header = readFully(peer, 12);
                if (header == null) {
                    return;
                }
                int request = header.getInt(0);
                int flags = header.getInt(4);
                int size = header.getInt(8);
                if (size > 0 && readFully(peer, size) == null) {
                    return;
                }
                requests.add(request);
                Long answer = switch (request) {
                    case 1 -> features;
                    case 15 -> protocolFeatures;
                    case 17 -> queueNum;
                    case 11 -> null; // GET_VRING_BASE: answered below with a vring state
                    default -> (flags & 0x8) != 0 ? 0L : null;
                };
                if (request == 11) {
                    peer.write(reply(request, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(0).putInt(0)
                            .flip()));
                } else if (answer != null) {
                    peer.write(reply(request, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(answer)
                            .flip()));
                }
            }
        } catch (IOException e) {
            // The frontend went away; nothing more to serve.
        }
    }

    private static ByteBuffer reply(int request, ByteBuffer payload) {
        return ByteBuffer.allocate(12 + payload.remaining()).order(ByteOrder.LITTLE_ENDIAN).putInt(request).putInt(5)
                .putInt(payload.remaining()).put(payload).flip();
    }

    private static ByteBuffer readFully(SocketChannel peer, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (peer.read(b) < 0) {
                return null;
            }
        }
        return b.flip();
    }

    @Override
    public void close() throws Exception {
        server.close();
        thread.join(5000);
        java.nio.file.Files.deleteIfExists(socket);
    }
}
