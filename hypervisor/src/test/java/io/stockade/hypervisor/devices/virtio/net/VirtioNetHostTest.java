package io.stockade.hypervisor.devices.virtio.net;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue.Used;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.LinuxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The device on a real TAP in a network namespace this test creates, talking to the kernel's own network stack
 * there: the test plays the guest driver, asks for the TAP's IPv4 address with ARP and pings it. Needs root and
 * iproute2. The only addresses used live inside the test's namespace, which is deleted afterwards.
 */
@Tag("host")
// A hang must fail the test rather than block the build; EventLoop.call ignores interrupts, hence a separate thread.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtioNetHostTest {

    private static final MacAddress GUEST_MAC = MacAddress.parse("52:54:00:12:34:56");
    private static final byte[] GUEST_IP = {10, (byte) 231, 0, 2};
    private static final byte[] HOST_IP = {10, (byte) 231, 0, 1};
    private static final byte[] BROADCAST = {-1, -1, -1, -1, -1, -1};
    private static final int ETHERTYPE_ARP = 0x0806;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int RX_BUFFERS = 8;
    private static final long RX_AREA = TestRam.HIGH;
    private static final int RX_BUFFER_BYTES = 1526;

    private final String netns = "stockade-net-test-" + ProcessHandle.current().pid();
    private final GuestMemory memory = TestRam.create();
    private EventLoop loop;
    private VirtioNet net;
    private TapBackend tap;
    private MockDriverQueue rx;
    private MockDriverQueue tx;
    private final Map<Integer, Long> rxBufferOfHead = new HashMap<>();
    private int rxConsumed;

    @BeforeEach
    void createNamespaceAndDevice() throws Exception {
        run("ip", "netns", "add", netns);
        loop = EventLoop.start("virtio-net host test loop");
        tap = TapBackend.openInNamespace(Path.of("/var/run/netns", netns), "stknet%d");
        net = new VirtioNet("virtio-net host test", GUEST_MAC, tap, loop);
        run("ip", "-n", netns, "link", "set", tap.interfaceName(), "up");
        run("ip", "-n", netns, "addr", "add", "10.231.0.1/24", "dev", tap.interfaceName());

        rx = new MockDriverQueue(memory, 0x1000, 16);
        tx = new MockDriverQueue(memory, 0x2000, 16);
        long features = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
        net.activate(memory, List.of(
                Virtqueue.create(net.name(), 0, memory, rx.layout(), features, reason -> { }),
                Virtqueue.create(net.name(), 1, memory, tx.layout(), features, reason -> { })),
                () -> { });
        for (int i = 0; i < RX_BUFFERS; i++) {
            postRxBuffer(RX_AREA + (long) RX_BUFFER_BYTES * i);
        }
    }

    @AfterEach
    void deleteNamespaceAndDevice() throws Exception {
        // The namespace goes first, so that it is gone even if closing the device fails; the TAP's fd keeps the
        // namespace alive until the device is closed, which then deletes the TAP with it.
        try {
            run("ip", "netns", "delete", netns);
        } finally {
            if (net != null) {
                net.close();
            } else if (tap != null) {
                tap.close();
            }
            if (loop != null) {
                loop.close();
            }
            memory.close();
        }
    }

    @Test
    void theTapLivesInTheNamespaceOnly() throws Exception {
        String link = run("ip", "-n", netns, "-d", "link", "show", tap.interfaceName());
        assertTrue(link.contains("tun type tap") && link.contains("vnet_hdr on"), link);
        Process host = new ProcessBuilder("ip", "link", "show", tap.interfaceName()).redirectErrorStream(true)
                .start();
        host.getInputStream().readAllBytes();
        assertTrue(host.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, host.exitValue(), "the host namespace has no " + tap.interfaceName());
    }

    @Test
    void openingATapInAMissingNamespaceNamesIt() {
        LinuxException e = assertThrows(LinuxException.class,
                () -> TapBackend.openInNamespace(Path.of("/var/run/netns/stockade-no-such-ns"), "stknet%d"));
        assertTrue(e.is(Errno.ENOENT) && e.getMessage().contains("stockade-no-such-ns"), e.getMessage());
    }

    @Test
    void theKernelAnswersTheGuestsArpRequestAndPing() throws Exception {
        byte[] tapMac = HexFormat.ofDelimiter(":").parseHex(run("ip", "netns", "exec", netns, "cat",
                "/sys/class/net/" + tap.interfaceName() + "/address").strip());

        transmit(ethernet(BROADCAST, ETHERTYPE_ARP, arp(1, GUEST_MAC.bytes(), GUEST_IP, new byte[6], HOST_IP)));
        byte[] reply = receiveUntil(f -> etherType(f) == ETHERTYPE_ARP && (f[14 + 7] & 0xff) == 2);

        assertArrayEquals(GUEST_MAC.bytes(), Arrays.copyOfRange(reply, 0, 6), "sent to the guest");
        assertArrayEquals(tapMac, Arrays.copyOfRange(reply, 14 + 8, 14 + 14), "sender hardware address");
        assertArrayEquals(HOST_IP, Arrays.copyOfRange(reply, 14 + 14, 14 + 18), "sender protocol address");
        assertArrayEquals(GUEST_IP, Arrays.copyOfRange(reply, 14 + 24, 14 + 28), "target protocol address");

        byte[] payload = "stockade virtio-net".getBytes(StandardCharsets.US_ASCII);
        transmit(ethernet(tapMac, ETHERTYPE_IPV4, ipv4(HOST_IP, icmpEcho(8, 0x5a5a, 1, payload))));
        byte[] echo = receiveUntil(f -> {
            answerArp(f, tapMac);
            return etherType(f) == ETHERTYPE_IPV4 && f[14 + 9] == 1 && (f[14 + 20] & 0xff) == 0;
        });

        assertArrayEquals(HOST_IP, Arrays.copyOfRange(echo, 14 + 12, 14 + 16), "from the TAP's address");
        assertArrayEquals(GUEST_IP, Arrays.copyOfRange(echo, 14 + 16, 14 + 20), "to the guest");
        byte[] icmp = Arrays.copyOfRange(echo, 14 + 20, 14 + 20 + 8 + payload.length);
        assertArrayEquals(icmpEcho(0, 0x5a5a, 1, payload), icmp, "an echo reply with our id, sequence and data");
        assertEquals(0, checksum(Arrays.copyOfRange(echo, 14, 14 + 20)), "IPv4 header checksum");

        NetStatistics stats = net.statistics();
        assertTrue(stats.txFrames() >= 2 && stats.rxFrames() >= 2 && stats.txDropped() == 0, stats.toString());
    }

    /** The kernel may ask for the guest's MAC before replying; the guest answers as any host would. */
    private void answerArp(byte[] frame, byte[] tapMac) {
        if (etherType(frame) == ETHERTYPE_ARP && (frame[14 + 7] & 0xff) == 1
                && Arrays.equals(Arrays.copyOfRange(frame, 14 + 24, 14 + 28), GUEST_IP)) {
            transmit(ethernet(tapMac, ETHERTYPE_ARP, arp(2, GUEST_MAC.bytes(), GUEST_IP, tapMac, HOST_IP)));
        }
    }

    private void transmit(byte[] frame) {
        long at = 0x8000 + 0x800L * (tx.usedIdx() % 8);
        memory.write(at, TestPackets.packet(frame));
        int head = tx.addChain(readable(at, 12 + frame.length));
        int before = tx.usedIdx();
        net.queueNotify(VirtioNet.TX_QUEUE);
        assertEquals(new Used(head, 0), tx.used(before));
    }

    /** Takes received frames (re-posting their buffers) until one matches; other traffic, e.g. IPv6, is skipped. */
    private byte[] receiveUntil(Predicate<byte[]> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (rx.usedIdx() == rxConsumed) {
                Thread.sleep(1);
                continue;
            }
            Used used = rx.used(rxConsumed++);
            long buffer = rxBufferOfHead.remove(used.id());
            byte[] packet = new byte[used.length()];
            memory.read(buffer, packet, 0, packet.length);
            assertArrayEquals(TestPackets.guestHeader(), Arrays.copyOf(packet, 12), "the rx header");
            postRxBuffer(buffer);
            byte[] frame = Arrays.copyOfRange(packet, 12, packet.length);
            if (wanted.test(frame)) {
                return frame;
            }
        }
        throw new AssertionError("no matching frame arrived; " + net.statistics());
    }

    private void postRxBuffer(long address) {
        rxBufferOfHead.put(rx.addChain(writable(address, RX_BUFFER_BYTES)), address);
        net.queueNotify(VirtioNet.RX_QUEUE);
    }

    private static int etherType(byte[] frame) {
        return (frame[12] & 0xff) << 8 | (frame[13] & 0xff);
    }

    private static byte[] ethernet(byte[] destination, int etherType, byte[] payload) {
        ByteBuffer f = ByteBuffer.allocate(Math.max(60, 14 + payload.length)); // padded to the Ethernet minimum
        f.put(destination).put(GUEST_MAC.bytes()).putShort((short) etherType).put(payload);
        return f.array();
    }

    private static byte[] arp(int op, byte[] senderMac, byte[] senderIp, byte[] targetMac, byte[] targetIp) {
        return ByteBuffer.allocate(28).putShort((short) 1).putShort((short) ETHERTYPE_IPV4).put((byte) 6)
                .put((byte) 4).putShort((short) op).put(senderMac).put(senderIp).put(targetMac).put(targetIp).array();
    }

    private static byte[] ipv4(byte[] destination, byte[] icmp) {
        ByteBuffer h = ByteBuffer.allocate(20 + icmp.length);
        h.put((byte) 0x45).put((byte) 0).putShort((short) (20 + icmp.length)).putShort((short) 0x1234)
                .putShort((short) 0x4000).put((byte) 64).put((byte) 1).putShort((short) 0).put(GUEST_IP)
                .put(destination);
        h.putShort(10, (short) checksum(Arrays.copyOf(h.array(), 20)));
        h.position(20);
        h.put(icmp);
        return h.array();
    }

    private static byte[] icmpEcho(int type, int id, int sequence, byte[] payload) {
        ByteBuffer m = ByteBuffer.allocate(8 + payload.length);
        m.put((byte) type).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) sequence)
                .put(payload);
        m.putShort(2, (short) checksum(m.array()));
        return m.array();
    }

    /** The Internet checksum (RFC 1071); 0 over data that includes a correct checksum. */
    private static int checksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i < data.length; i += 2) {
            sum += (data[i] & 0xff) << 8 | (i + 1 < data.length ? data[i + 1] & 0xff : 0);
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
