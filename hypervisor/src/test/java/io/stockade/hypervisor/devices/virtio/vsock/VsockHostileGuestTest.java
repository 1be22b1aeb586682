package io.stockade.hypervisor.devices.virtio.vsock;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that breaks the vsock protocol gets RST where its packet can be answered and is ignored otherwise; either
 * way the device keeps serving, never writes outside the buffers it was given, and never lets a connection it
 * cannot trust keep its host socket.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VsockHostileGuestTest {

    private static final int GUEST_PORT = 49152;
    private static final int HOST_PORT = 6000;
    private static final long SCRATCH = GuestSide.SCRATCH;

    @TempDir
    Path dir;

    private GuestSide guest;

    @AfterEach
    void close() {
        if (guest != null) {
            guest.close();
        }
    }

    private GuestSide guest() {
        guest = new GuestSide(dir.resolve("vsock.sock"));
        return guest;
    }

    private static PacketHeader withOp(int op) {
        return new PacketHeader(GuestSide.GUEST_CID, PacketHeader.HOST_CID, GUEST_PORT, HOST_PORT, 0,
                PacketHeader.TYPE_STREAM, op, 0, 65536, 0);
    }

    private void assertAnsweredWithRst(int type) {
        List<GuestSide.Packet> answers = guest.drain();
        assertEquals(1, answers.size(), answers.toString());
        PacketHeader rst = answers.getFirst().header();
        assertEquals(Op.RST.code(), rst.op());
        assertEquals(type, rst.type());
        assertEquals(GuestSide.GUEST_CID, rst.dstCid());
        assertEquals(GUEST_PORT, rst.dstPort());
        assertEquals(HOST_PORT, rst.srcPort());
    }

    /** A host-initiated connection the guest has accepted; returns the host port. */
    private int establish(HostClient host, int guestPort) {
        GuestSide.Packet request = guest.next(p -> p.op() == Op.REQUEST);
        int hostPort = request.header().srcPort();
        guest.send(GuestSide.header(Op.RESPONSE, guestPort, hostPort, 0, 0, 65536, 0));
        assertTrue(host.readLine().startsWith("OK "));
        return hostPort;
    }

    @Test
    void aChainTooShortForAHeaderIsDroppedUnanswered() {
        guest();
        guest.poke(SCRATCH, new byte[20]);

        guest.sendChain(readable(SCRATCH, 20));

        assertEquals(1, guest.txUsed());
        assertEquals(List.of(), guest.drain());
    }

    @Test
    void aForgedSourceCidIsDroppedUnanswered() {
        guest();
        guest.send(new PacketHeader(GuestSide.GUEST_CID + 1, PacketHeader.HOST_CID, GUEST_PORT, HOST_PORT, 0,
                PacketHeader.TYPE_STREAM, Op.REQUEST.code(), 0, 65536, 0));

        assertEquals(List.of(), guest.drain());
    }

    @Test
    void aPacketNotAddressedToTheHostIsAnsweredWithRst() {
        guest();
        guest.send(new PacketHeader(GuestSide.GUEST_CID, 5, GUEST_PORT, HOST_PORT, 0, PacketHeader.TYPE_STREAM,
                Op.REQUEST.code(), 0, 65536, 0));

        assertAnsweredWithRst(PacketHeader.TYPE_STREAM);
    }

    @Test
    void anUnknownOpIsAnsweredWithRst() {
        guest();
        guest.send(withOp(99));
        assertAnsweredWithRst(PacketHeader.TYPE_STREAM);
        guest.send(withOp(0));
        assertAnsweredWithRst(PacketHeader.TYPE_STREAM);
    }

    @Test
    void aSeqpacketIsAnsweredWithAnRstOfItsOwnType() {
        guest();
        guest.send(new PacketHeader(GuestSide.GUEST_CID, PacketHeader.HOST_CID, GUEST_PORT, HOST_PORT, 0, 2,
                Op.REQUEST.code(), 0, 65536, 0));

        assertAnsweredWithRst(2);
    }

    @Test
    void dataForAnUnknownConnectionIsAnsweredWithRstButAnRstNever() {
        guest();
        guest.send(GuestSide.header(Op.RW, GUEST_PORT, HOST_PORT, 3, 0, 65536, 0), new byte[] {1, 2, 3});
        assertAnsweredWithRst(PacketHeader.TYPE_STREAM);

        guest.send(GuestSide.header(Op.RST, GUEST_PORT, HOST_PORT, 0, 0, 0, 0));
        guest.send(new PacketHeader(GuestSide.GUEST_CID, 9, GUEST_PORT, HOST_PORT, 0, 7, Op.RST.code(), 0, 0, 0));
        assertEquals(List.of(), guest.drain());
    }

    @Test
    void aLengthBeyondItsBuffersIsRefusedAndResetsTheConnection() {
        guest();
        try (HostClient host = HostClient.connect(dir.resolve("vsock.sock"), 1024)) {
            int hostPort = establish(host, 1024);
            byte[] packet = Arrays.copyOf(GuestSide.header(Op.RW, 1024, hostPort, 100, 0, 65536, 0).encode(), 54);
            guest.poke(SCRATCH, packet);

            guest.sendChain(readable(SCRATCH, 54)); // says 100 bytes, carries 10

            GuestSide.Packet rst = guest.next();
            assertEquals(Op.RST, rst.op());
            assertEquals(hostPort, rst.header().srcPort());
            assertTrue(host.atEndOfStream(), "not one of the bytes reached the host");
        }
    }

    @Test
    void aLengthBeyondTheProtocolMaximumIsRefused() {
        guest();
        int len = TxPacket.MAX_PAYLOAD + 1;
        guest.poke(SCRATCH, GuestSide.header(Op.RW, GUEST_PORT, HOST_PORT, len, 0, 65536, 0).encode());

        guest.sendChain(readable(SCRATCH, PacketHeader.BYTES + len));

        assertAnsweredWithRst(PacketHeader.TYPE_STREAM);
    }

    @Test
    void aHeaderSplitOddlyAcrossDescriptorsIsStillReadRight() {
        guest();
        try (HostClient host = HostClient.connect(dir.resolve("vsock.sock"), 1024)) {
            int hostPort = establish(host, 1024);
            byte[] header = GuestSide.header(Op.RW, 1024, hostPort, 8, 0, 65536, 0).encode();
            guest.poke(SCRATCH, Arrays.copyOfRange(header, 0, 7));
            guest.poke(SCRATCH + 0x100, Arrays.copyOfRange(header, 7, 37));
            guest.poke(SCRATCH + 0x200, Arrays.copyOfRange(header, 37, 44));
            guest.poke(SCRATCH + 0x300, "pay".getBytes(StandardCharsets.US_ASCII));
            guest.poke(SCRATCH + 0x400, "loadXXXX".getBytes(StandardCharsets.US_ASCII));

            guest.sendChain(readable(SCRATCH, 7), readable(SCRATCH + 0x100, 30), readable(SCRATCH + 0x200, 7),
                    readable(SCRATCH + 0x300, 3), readable(SCRATCH + 0x400, 8));

            assertEquals("payload", host.readString(7));
            // The 8th byte is 'X': the length in the header, not the buffers, says where the payload ends.
            assertEquals("X", host.readString(1));
        }
    }

    @Test
    void rxBuffersWithoutRoomForAHeaderAreReturnedUnusedAndUntouched() {
        guest = new GuestSide(dir.resolve("vsock.sock"), new GuestSide.RxLayout(true, 64), 0,
                HybridUnixBackend.Limits.DEFAULT);
        byte[] pattern = new byte[64];
        Arrays.fill(pattern, (byte) 0x5a);
        guest.poke(SCRATCH, pattern);
        guest.postRawRx(writable(SCRATCH, 20));
        guest.postRawRx(readable(SCRATCH + 0x40, 64));
        guest.send(GuestSide.header(Op.REQUEST, GUEST_PORT, HOST_PORT, 0, 0, 65536, 0)); // nobody listens: RST

        guest.postRawRx(writable(SCRATCH + 0x100, PacketHeader.BYTES));

        List<Integer> lengths = guest.drain().stream().map(p -> p.payload().length).toList();
        assertEquals(List.of(0, 0, PacketHeader.BYTES), lengths);
        byte[] after = new byte[64];
        guest.loop().run(() -> guest.memory().read(SCRATCH, after, 0, 64));
        assertArrayEquals(pattern, after, "the too-small buffer was not written");
        byte[] rst = new byte[PacketHeader.BYTES];
        guest.loop().run(() -> guest.memory().read(SCRATCH + 0x100, rst, 0, rst.length));
        assertEquals(Op.RST.code(), PacketHeader.decode(rst).op());
    }

    @Test
    void aFloodOfUnanswerablePacketsStallsTxUntilTheGuestTakesTheAnswers() {
        guest = new GuestSide(dir.resolve("vsock.sock"), new GuestSide.RxLayout(true, 64), 0,
                HybridUnixBackend.Limits.DEFAULT);
        int flood = HybridUnixBackend.MAX_QUEUED_RESETS + 10;
        for (int i = 0; i < flood; i++) {
            guest.send(GuestSide.header(Op.RW, GUEST_PORT + i, HOST_PORT, 0, 0, 65536, 0));
        }
        assertEquals(HybridUnixBackend.MAX_QUEUED_RESETS, guest.txUsed(),
                "TX stops while the answers have nowhere to go");

        for (int i = 0; i < flood; i++) {
            guest.postRawRx(writable(SCRATCH + 64L * i, 64));
        }

        assertEquals(flood, guest.drain().size(), "every packet was answered");
        assertEquals(flood, guest.txUsed());
    }
}
