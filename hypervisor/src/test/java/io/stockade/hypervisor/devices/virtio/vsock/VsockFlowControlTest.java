package io.stockade.hypervisor.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk transfers through small guest buffers and a small guest receive window, so that both directions live on
 * credit updates: the device must never send the guest more than its credit, must tell the guest about freed
 * buffer space without being asked, and the bytes must arrive exactly.
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VsockFlowControlTest {

    private static final int MIB = 1024 * 1024;
    private static final int TOTAL = 8 * MIB;
    private static final int GUEST_BUF_ALLOC = 16 * 1024;
    private static final int GUEST_CHUNK = 4096;

    @TempDir
    Path dir;

    private GuestSide guest;

    @AfterEach
    void close() {
        if (guest != null) {
            guest.close();
        }
    }

    /** The deterministic pseudo-random bytes {@code [offset, offset + n)} of the stream seeded with {@code seed}. */
    private static final class Stream {
        private final Random random;
        private final CRC32 crc = new CRC32();

        Stream(long seed) {
            random = new Random(seed);
        }

        byte[] next(int n) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            crc.update(b);
            return b;
        }

        long crc() {
            return crc.getValue();
        }
    }

    @Test
    void eightMebibytesEachWayArriveExactlyThroughSmallBuffersOnCreditAlone() throws Exception {
        guest = new GuestSide(dir.resolve("vsock.sock"), new GuestSide.RxLayout(true, 1024), 32,
                HybridUnixBackend.Limits.DEFAULT);
        try (HostClient host = HostClient.connect(dir.resolve("vsock.sock"), 1024)) {
            GuestSide.Packet request = guest.next();
            GuestStream stream = new GuestStream(guest, 1024, request.header().srcPort(), GUEST_BUF_ALLOC);
            stream.heard(request.header());
            stream.send(Op.RESPONSE);
            assertTrue(host.readLine().startsWith("OK "));

            CompletableFuture<Long> hostWrote = CompletableFuture.supplyAsync(() -> {
                Stream out = new Stream(1);
                for (int done = 0; done < TOTAL; done += 64 * 1024) {
                    host.write(out.next(64 * 1024));
                }
                return out.crc();
            });
            CompletableFuture<Long> hostRead = CompletableFuture.supplyAsync(() -> {
                CRC32 crc = new CRC32();
                ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
                long total = 0;
                while (total < TOTAL) {
                    buffer.clear();
                    int n = host.read(buffer);
                    if (n < 0) {
                        throw new AssertionError("host saw end of stream after " + total + " bytes");
                    }
                    crc.update(buffer.array(), 0, n);
                    total += n;
                }
                return crc.getValue();
            });

            Stream guestOut = new Stream(2);
            CRC32 guestIn = new CRC32();
            long sent = 0;
            long received = 0;
            int creditUpdates = 0;
            while (sent < TOTAL || received < TOTAL) {
                boolean progress = false;
                while (sent < TOTAL && stream.credit() > 0) {
                    int n = (int) Math.min(Math.min(GUEST_CHUNK, stream.credit()), TOTAL - sent);
                    stream.write(guestOut.next(n));
                    sent += n;
                    progress = true;
                }
                for (Optional<GuestSide.Packet> p = guest.poll(stream::owns); p.isPresent();
                        p = guest.poll(stream::owns)) {
                    progress = true;
                    stream.heard(p.get().header());
                    switch (p.get().op()) {
                        case RW -> {
                            byte[] data = p.get().payload();
                            assertTrue(data.length <= 1024, "never more than the buffer");
                            guestIn.update(data);
                            received += data.length;
                            assertTrue(received <= TOTAL);
                            stream.consumed(data.length);
                        }
                        case CREDIT_UPDATE -> creditUpdates++;
                        case CREDIT_REQUEST -> stream.send(Op.CREDIT_UPDATE);
                        default -> throw new AssertionError("unexpected " + p.get().header());
                    }
                }
                if (!progress) {
                    Thread.sleep(1);
                }
            }

            assertEquals(hostWrote.get(), guestIn.getValue(), "host -> guest bytes");
            assertEquals(guestOut.crc(), hostRead.get(), "guest -> host bytes");
            assertTrue(creditUpdates > 0, "the guest could only go on because the device sent credit updates");
        }
    }

    @Test
    void aGuestThatIgnoresItsCreditIsReset() {
        guest = new GuestSide(dir.resolve("vsock.sock"));
        try (HostClient host = HostClient.connect(dir.resolve("vsock.sock"), 1024)) {
            GuestSide.Packet request = guest.next();
            int hostPort = request.header().srcPort();
            guest.send(GuestSide.header(Op.RESPONSE, 1024, hostPort, 0, 0, 65536, 0));
            host.readLine();
            // The host reads nothing, so its socket buffer fills and the device's 256 KiB buffer after it.
            byte[] chunk = new byte[GUEST_CHUNK];
            Optional<GuestSide.Packet> rst = Optional.empty();
            for (int i = 0; i < 1024 && rst.isEmpty(); i++) {
                guest.send(GuestSide.header(Op.RW, 1024, hostPort, chunk.length, 0, 65536, 0), chunk);
                rst = guest.poll(p -> p.op() == Op.RST);
            }

            assertTrue(rst.isPresent(), "the device reset the connection");
            assertTrue(host.atEndOfStreamAfterDraining(), "and closed the host side");
        }
    }
}
