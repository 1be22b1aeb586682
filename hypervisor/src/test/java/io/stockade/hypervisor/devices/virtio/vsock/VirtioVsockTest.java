package io.stockade.hypervisor.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.sys.LinuxException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtioVsockTest {

    private static final int GUEST_BUF_ALLOC = 64 * 1024;

    @TempDir
    Path dir;

    private GuestSide guest;

    @AfterEach
    void close() {
        if (guest != null) {
            guest.close();
        }
    }

    private Path socket() {
        return dir.resolve("vsock.sock");
    }

    private GuestSide guest() {
        guest = new GuestSide(socket());
        return guest;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    /** The guest accepts the next host-initiated REQUEST for {@code guestPort}; returns its side of the stream. */
    private GuestStream accept(int guestPort) {
        GuestSide.Packet request = guest.next(p -> p.op() == Op.REQUEST && p.header().dstPort() == guestPort);
        GuestStream s = new GuestStream(guest, guestPort, request.header().srcPort(), GUEST_BUF_ALLOC);
        s.heard(request.header());
        s.send(Op.RESPONSE);
        return s;
    }

    private GuestSide.Packet nextOn(GuestStream s) {
        GuestSide.Packet p = guest.next(s::owns);
        s.heard(p.header());
        return p;
    }

    @Test
    void isAVsockDeviceWhoseConfigSpaceHoldsTheGuestCid() throws IOException {
        try (EventLoop loop = EventLoop.start("vsock-config-test");
             VirtioVsock vsock = VirtioVsock.create("vsock", 7, socket(), loop)) {
            assertEquals(DeviceType.VSOCK, vsock.deviceType());
            assertEquals(3, vsock.queueMaxSizes().size());
            assertTrue((vsock.deviceFeatures() & VirtioFeatures.VERSION_1) != 0);
            byte[] config = new byte[12];
            vsock.readConfig(0, config);
            assertArrayEquals(new byte[] {7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, config, "le64 guest_cid, then zeros");
            assertTrue(Files.exists(socket()), "the host socket is bound at creation");
        }
        assertFalse(Files.exists(socket()), "close removes the socket file");
    }

    @Test
    void reservedCidsAndAnOccupiedPathAreRefusedWithClearErrors() throws IOException {
        try (EventLoop loop = EventLoop.start("vsock-create-test")) {
            IllegalArgumentException host = assertThrows(IllegalArgumentException.class,
                    () -> VirtioVsock.create("vsock", 2, socket(), loop));
            assertTrue(host.getMessage().contains("guest CID 2"), host.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> VirtioVsock.create("vsock", 0xffff_ffffL, socket(), loop));

            Files.createFile(socket());
            LinuxException taken = assertThrows(LinuxException.class,
                    () -> VirtioVsock.create("vsock", 3, socket(), loop));
            assertTrue(taken.getMessage().contains("EADDRINUSE") && taken.getMessage().contains(socket().toString()),
                    taken.getMessage());
        }
    }

    @Test
    void aHostClientReachesAGuestPortAndBytesFlowBothWays() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            GuestSide.Packet request = guest.next();
            assertEquals(Op.REQUEST, request.op());
            assertEquals(PacketHeader.HOST_CID, request.header().srcCid());
            assertEquals(GuestSide.GUEST_CID, request.header().dstCid());
            assertEquals(1024, request.header().dstPort());
            int hostPort = request.header().srcPort();
            assertTrue(Integer.toUnsignedLong(hostPort) >= HybridUnixBackend.FIRST_HOST_PORT);

            GuestStream stream = new GuestStream(guest, 1024, hostPort, GUEST_BUF_ALLOC);
            stream.heard(request.header());
            stream.send(Op.RESPONSE);
            assertEquals("OK " + Integer.toUnsignedString(hostPort), host.readLine());

            host.write("ping from the host");
            GuestSide.Packet data = nextOn(stream);
            assertEquals(Op.RW, data.op());
            assertEquals("ping from the host", ascii(data.payload()));

            stream.write(ascii("pong from the guest"));
            assertEquals("pong from the guest", host.readString(19));
            assertTrue(guest.interrupts() > 0, "used RX buffers raise the interrupt");
        }
    }

    @Test
    void bytesSentRightAfterTheConnectLineWaitForTheGuestToAccept() {
        guest();
        try (HostClient host = HostClient.open(socket())) {
            host.write("CONNECT 5000\nearly bytes");
            GuestStream stream = accept(5000);
            assertTrue(host.readLine().startsWith("OK "));

            assertEquals("early bytes", ascii(nextOn(stream).payload()));
        }
    }

    @Test
    void theGuestReachesAHostListenerAtPathUnderscorePort() throws IOException {
        guest();
        Path listenerPath = Path.of(socket() + "_5000");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(listenerPath));
            GuestStream stream = new GuestStream(guest, 49152, 5000, GUEST_BUF_ALLOC);
            stream.send(Op.REQUEST);

            GuestSide.Packet response = nextOn(stream);
            assertEquals(Op.RESPONSE, response.op());
            assertEquals(PacketHeader.HOST_CID, response.header().srcCid());
            try (HostClient host = new HostClient(listener.accept())) {
                stream.write(ascii("hello host"));
                assertEquals("hello host", host.readString(10));

                host.write("hello guest");
                assertEquals("hello guest", ascii(nextOn(stream).payload()));
            }
        }
    }

    @Test
    void aGuestConnectionToAPortNobodyListensOnIsReset() {
        guest();
        GuestStream stream = new GuestStream(guest, 49153, 6000, GUEST_BUF_ALLOC);
        stream.send(Op.REQUEST);

        GuestSide.Packet answer = nextOn(stream);
        assertEquals(Op.RST, answer.op());
    }

    @Test
    void theGuestRefusingAHostConnectionClosesTheHostSocket() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 7)) {
            GuestSide.Packet request = guest.next();
            guest.send(GuestSide.header(Op.RST, 7, request.header().srcPort(), 0, 0, 0, 0));

            assertTrue(host.atEndOfStream());
        }
    }

    @Test
    void aMalformedConnectLineGetsTheClientClosedAndTheGuestHearsNothing() {
        guest();
        try (HostClient host = HostClient.open(socket())) {
            host.write("HELLO 1024\n");
            assertTrue(host.atEndOfStream());
        }
        assertEquals(List.of(), guest.drain());
    }

    @Test
    void aGuestThatNeverAnswersTheRequestGetsTheHostClientClosedAndAnRst() {
        guest = new GuestSide(socket(), new GuestSide.RxLayout(true, 4096), 16,
                new HybridUnixBackend.Limits(Duration.ofSeconds(30), Duration.ofMillis(100), 1024, 64));
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            GuestSide.Packet request = guest.next();

            assertTrue(host.atEndOfStream());
            GuestSide.Packet rst = guest.next();
            assertEquals(Op.RST, rst.op());
            assertEquals(request.header().srcPort(), rst.header().srcPort());
        }
    }

    @Test
    void thirtyTwoConcurrentConnectionsCarryTheirOwnBytes() throws IOException {
        guest();
        int n = 32;
        List<HostClient> hosts = new ArrayList<>();
        Map<Integer, GuestStream> streams = new HashMap<>();
        Path listenerPath = Path.of(socket() + "_7000");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(listenerPath));
            // Half are opened by the host, half by the guest, all open at the same time.
            for (int i = 0; i < n / 2; i++) {
                hosts.add(HostClient.connect(socket(), 2000 + i));
            }
            for (int i = 0; i < n / 2; i++) {
                streams.put(2000 + i, accept(2000 + i));
                assertTrue(hosts.get(i).readLine().startsWith("OK "));
            }
            for (int i = n / 2; i < n; i++) {
                GuestStream s = new GuestStream(guest, 40000 + i, 7000, GUEST_BUF_ALLOC);
                s.send(Op.REQUEST);
                assertEquals(Op.RESPONSE, nextOn(s).op());
                hosts.add(new HostClient(listener.accept()));
                streams.put(40000 + i, s);
            }

            for (int i = 0; i < n; i++) {
                hosts.get(i).write("message " + i + ";");
            }
            for (int i = 0; i < n; i++) {
                int guestPort = i < n / 2 ? 2000 + i : 40000 + i;
                GuestStream s = streams.get(guestPort);
                String received = ascii(nextOn(s).payload());
                assertEquals("message " + i + ";", received);
                s.write(ascii("echo " + received));
            }
            for (int i = 0; i < n; i++) {
                String expected = "echo message " + i + ";";
                assertEquals(expected, hosts.get(i).readString(expected.length()));
            }
        } finally {
            hosts.forEach(HostClient::close);
        }
    }

    @Test
    void theHostsEndOfStreamReachesTheGuestWhichCanStillAnswerThenBothClose() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            GuestStream stream = accept(1024);
            host.readLine();
            host.write("request");
            host.shutdownOutput();

            assertEquals("request", ascii(nextOn(stream).payload()));
            GuestSide.Packet shutdown = nextOn(stream);
            assertEquals(Op.SHUTDOWN, shutdown.op());
            assertEquals(PacketHeader.SHUTDOWN_SEND, shutdown.header().flags(), "the host only stopped sending");

            stream.write(ascii("late answer"));
            assertEquals("late answer", host.readString(11));
            stream.send(Op.SHUTDOWN, PacketHeader.SHUTDOWN_SEND | PacketHeader.SHUTDOWN_RCV);

            assertTrue(host.atEndOfStream());
            assertEquals(Op.RST, nextOn(stream).op(), "both directions are done: the device ends it");
        }
    }

    @Test
    void theGuestsEndOfStreamReachesTheHostWhichCanStillAnswerThenBothClose() throws IOException {
        guest();
        Path listenerPath = Path.of(socket() + "_8000");
        try (ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listener.bind(UnixDomainSocketAddress.of(listenerPath));
            GuestStream stream = new GuestStream(guest, 50000, 8000, GUEST_BUF_ALLOC);
            stream.send(Op.REQUEST);
            nextOn(stream);
            try (HostClient host = new HostClient(listener.accept())) {
                stream.write(ascii("question"));
                stream.send(Op.SHUTDOWN, PacketHeader.SHUTDOWN_SEND);

                assertEquals("question", host.readString(8));
                assertTrue(host.atEndOfStream(), "the guest's SHUTDOWN SEND is the host's end of stream");

                host.write("answer");
                host.close();
                assertEquals("answer", ascii(nextOn(stream).payload()));
                GuestSide.Packet shutdown = nextOn(stream);
                assertEquals(Op.SHUTDOWN, shutdown.op());
                assertEquals(PacketHeader.SHUTDOWN_SEND, shutdown.header().flags());
                assertEquals(Op.RST, nextOn(stream).op());
            }
        }
    }

    @Test
    void aGuestRstClosesTheHostSocket() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            GuestStream stream = accept(1024);
            host.readLine();

            stream.send(Op.RST);

            assertTrue(host.atEndOfStream());
            assertEquals(List.of(), guest.drain(), "an RST is never answered");
        }
    }

    @Test
    void aTransportResetEventTellsTheGuestAndClosesEveryHostSide() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            accept(1024);
            host.readLine();
            guest.postEventBuffer(GuestSide.SCRATCH, 8);

            assertTrue(guest.device().sendTransportReset());

            assertEquals(List.of(new MockDriverQueue.Used(0, 4)), guest.eventsUsed());
            assertEquals(0, guest.loop().call(() -> guest.memory().readInt(GuestSide.SCRATCH)),
                    "VIRTIO_VSOCK_EVENT_TRANSPORT_RESET");
            assertTrue(host.atEndOfStream());
        }
        assertFalse(guest.device().sendTransportReset(), "no event buffer left");
    }

    @Test
    void aDeviceResetClosesConnectionsAndTurnsNewClientsAway() {
        guest();
        try (HostClient host = HostClient.connect(socket(), 1024)) {
            accept(1024);
            host.readLine();

            guest.device().reset();

            assertTrue(host.atEndOfStream());
        }
        try (HostClient late = HostClient.open(socket())) { // closed before it could even send its line
            assertTrue(late.atEndOfStream(), "no driver, no connections");
        }
    }
}
