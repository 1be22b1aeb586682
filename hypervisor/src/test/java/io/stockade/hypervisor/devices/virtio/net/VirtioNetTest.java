package io.stockade.hypervisor.devices.virtio.net;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.frame;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.guestHeader;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue.Used;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.devices.virtio.mmio.LinuxStyleDriver;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole device on a real event loop with the in-memory backend, driven as Linux's virtio_net would. */
// A hang must fail the test rather than block the build; EventLoop.call ignores interrupts, hence a separate thread.
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtioNetTest {

    private static final MacAddress MAC = MacAddress.parse("52:54:00:12:34:56");
    /** Where the virtio-mmio transport maps the device-specific configuration space. */
    private static final int MMIO_CONFIG = 0x100;

    private final GuestMemory memory = TestRam.create();
    private final FakeNetBackend backend = new FakeNetBackend();
    private final EventLoop loop = EventLoop.start("virtio-net test loop");
    private final VirtioNet net = new VirtioNet("virtio-net test", MAC, backend, loop);
    private final AtomicInteger interrupts = new AtomicInteger();

    @AfterEach
    void close() {
        net.close();
        loop.close();
        memory.close();
    }

    /** Waits until everything handed to the event loop so far (receive runs included) has run. */
    private void settle() {
        loop.run(() -> { });
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting until " + what);
            }
            Thread.sleep(1);
        }
    }

    /** Activates the device directly with an rx and a tx queue of 16 entries; returns the driver's view of both. */
    private List<MockDriverQueue> activate() {
        MockDriverQueue rx = new MockDriverQueue(memory, 0x1000, 16);
        MockDriverQueue tx = new MockDriverQueue(memory, 0x2000, 16);
        long features = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX;
        net.activate(memory, List.of(
                Virtqueue.create(net.name(), 0, memory, rx.layout(), features, reason -> { }),
                Virtqueue.create(net.name(), 1, memory, tx.layout(), features, reason -> { })),
                interrupts::incrementAndGet);
        return List.of(rx, tx);
    }

    private byte[] bytes(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }

    @Test
    void isANetworkDeviceWithAnRxAndATxQueueAndNoOffloads() {
        assertEquals(DeviceType.NET, net.deviceType());
        assertEquals(List.of(256, 256), net.queueMaxSizes());
        long features = net.deviceFeatures();
        assertEquals(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX
                | VirtioNet.F_MAC | VirtioNet.F_STATUS, features);
        // CSUM, GUEST_CSUM, GUEST_TSO4/6, GUEST_UFO, HOST_TSO4/6, HOST_UFO, MRG_RXBUF, CTRL_VQ, MQ
        for (int bit : new int[] {0, 1, 7, 8, 10, 11, 12, 14, 15, 17, 22}) {
            assertEquals(0, features & (1L << bit), "feature bit " + bit + " must not be offered");
        }
    }

    @Test
    void theDriverReadsTheMacAndLinkUpFromTheConfigurationSpace() {
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, net, interrupts::incrementAndGet);
        LinuxStyleDriver linux = new LinuxStyleDriver(transport, memory);
        assertEquals(DeviceType.NET.id(), linux.read(0x008));

        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) { // virtio_cread_bytes reads the array a byte at a time
            byte[] one = new byte[1];
            transport.read(MMIO_CONFIG + i, one);
            mac[i] = one[0];
        }
        byte[] status = new byte[2];
        transport.read(MMIO_CONFIG + 6, status);

        assertArrayEquals(MAC.bytes(), mac);
        assertArrayEquals(new byte[] {1, 0}, status, "VIRTIO_NET_S_LINK_UP, little-endian");
        net.writeConfig(0, new byte[] {2, 0, 0, 0, 0, 1});
        transport.read(MMIO_CONFIG, mac);
        assertArrayEquals(MAC.bytes(), mac, "a VERSION_1 driver cannot rewrite the MAC through config space");
    }

    @Test
    void framesCrossTheDeviceBothWaysThroughTheMmioTransport() throws InterruptedException {
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, net, interrupts::incrementAndGet);
        LinuxStyleDriver linux = new LinuxStyleDriver(transport, memory);
        assertTrue(linux.negotiate(~0L));
        List<MockDriverQueue> queues = linux.setUpQueues(2, 16, 0x1000);
        linux.driverOk();
        MockDriverQueue rx = queues.get(0);
        MockDriverQueue tx = queues.get(1);

        // Guest → host: header and frame in separate buffers, as virtio_net does without any_header_sg.
        byte[] outbound = frame(98, 21);
        memory.write(0x4000, new byte[12]);
        memory.write(0x5000, outbound);
        int txHead = tx.addChain(readable(0x4000, 12), readable(0x5000, 98));
        linux.notify(1);

        assertEquals(1, backend.sent().size());
        assertArrayEquals(packet(outbound), backend.sent().getFirst());
        assertEquals(List.of(new Used(txHead, 0)), tx.allUsed());

        // Host → guest: the guest posts a buffer, then a packet arrives in the backend.
        int rxHead = rx.addChain(writable(0x8000, 1526));
        linux.notify(0);
        byte[] inbound = frame(342, 9);
        backend.inject(packet(inbound));

        await(() -> rx.usedIdx() == 1, "the packet is in the guest's buffer");
        assertEquals(new Used(rxHead, 12 + 342), rx.used(0));
        assertArrayEquals(packet(guestHeader(), inbound), bytes(0x8000, 12 + 342));
        assertTrue((linux.acknowledgeInterrupt() & 1) != 0, "a used-buffer interrupt");
        assertEquals(new NetStatistics(1, 342, 0, 1, 98, 0), net.statistics());
    }

    @Test
    void withoutBuffersPacketsWaitInTheBackendUntilTheDriverPostsSome() throws InterruptedException {
        MockDriverQueue rx = activate().getFirst();
        settle();
        backend.inject(packet(frame(60, 1)));
        backend.inject(packet(frame(61, 2)));
        settle();

        assertEquals(0, backend.receiveCalls(), "the backend is not read while the guest has no buffer");
        assertEquals(2, backend.waitingPackets());

        int first = rx.addChain(writable(0x8000, 1526));
        int second = rx.addChain(writable(0x9000, 1526));
        net.queueNotify(VirtioNet.RX_QUEUE);
        settle();

        assertEquals(List.of(new Used(first, 72), new Used(second, 73)), rx.allUsed());
        assertArrayEquals(frame(60, 1), bytes(0x8000 + 12, 60));
        assertArrayEquals(frame(61, 2), bytes(0x9000 + 12, 61));
        assertEquals(0, backend.waitingPackets());
    }

    @Test
    void aHeldBufferIsFilledWhenTheBackendBecomesReadable() throws InterruptedException {
        MockDriverQueue rx = activate().getFirst();
        int head = rx.addChain(writable(0x8000, 1526));
        net.queueNotify(VirtioNet.RX_QUEUE);
        settle();
        assertEquals(0, rx.usedIdx());

        for (int i = 0; i < 3; i++) {
            backend.inject(packet(frame(60 + i, i)));
            int delivered = i + 1;
            if (i > 0) {
                rx.addChain(writable(0x8000 + 0x800L * i, 1526));
                net.queueNotify(VirtioNet.RX_QUEUE);
            }
            await(() -> rx.usedIdx() == delivered, delivered + " packet(s) are delivered");
        }
        assertEquals(new Used(head, 72), rx.used(0));
        assertEquals(73, rx.used(1).length());
        assertEquals(74, rx.used(2).length());
    }

    @Test
    void moreTrafficThanOneReceiveRunIsDeliveredCompletely() throws InterruptedException {
        MockDriverQueue rx = new MockDriverQueue(memory, 0x1000, 256);
        MockDriverQueue tx = new MockDriverQueue(memory, 0x4000, 16);
        long features = VirtioFeatures.VERSION_1;
        net.activate(memory, List.of(
                Virtqueue.create(net.name(), 0, memory, rx.layout(), features, reason -> { }),
                Virtqueue.create(net.name(), 1, memory, tx.layout(), features, reason -> { })),
                interrupts::incrementAndGet);
        int packets = VirtioNet.RX_BUDGET * 2 + 5;
        for (int i = 0; i < packets; i++) {
            rx.addChain(writable(TestRam.HIGH + 256L * i, 256));
            backend.inject(packet(frame(60, i)));
        }
        net.queueNotify(VirtioNet.RX_QUEUE);

        await(() -> rx.usedIdx() == packets, "all packets are delivered");
        assertArrayEquals(frame(60, packets - 1), bytes(TestRam.HIGH + 256L * (packets - 1) + 12, 60));
        assertTrue(interrupts.get() >= 3, "each run notifies the driver, got " + interrupts.get());
    }

    @Test
    void afterResetTheQueuesAreLeftAloneAndANewActivationIsServed() throws InterruptedException {
        List<MockDriverQueue> old = activate();
        net.reset();
        memory.write(0x6000, packet(frame(60, 1)));
        old.get(1).addChain(readable(0x6000, 72));
        old.get(0).addChain(writable(0x8000, 1526));
        backend.inject(packet(frame(60, 2)));
        net.queueNotify(VirtioNet.TX_QUEUE);
        net.queueNotify(VirtioNet.RX_QUEUE);
        settle();

        assertEquals(List.of(), backend.sent());
        assertEquals(0, old.get(0).usedIdx());
        assertEquals(0, old.get(1).usedIdx());

        MockDriverQueue rx = activate().getFirst();
        rx.addChain(writable(0x8000, 1526));
        net.queueNotify(VirtioNet.RX_QUEUE);
        await(() -> rx.usedIdx() == 1, "the waiting packet reaches the new queue");
    }

    @Test
    void activationNeedsExactlyTwoQueues() {
        MockDriverQueue rx = new MockDriverQueue(memory, 0x1000, 16);
        Virtqueue only = Virtqueue.create(net.name(), 0, memory, rx.layout(), VirtioFeatures.VERSION_1, r -> { });

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> net.activate(memory, List.of(only), interrupts::incrementAndGet));
        assertTrue(e.getMessage().contains("virtio-net test") && e.getMessage().contains("1 queue"),
                e.getMessage());
    }

    @Test
    void closingClosesTheBackendOnceAndLeavesTheDeviceInert() {
        List<MockDriverQueue> queues = activate();

        net.close();
        net.close();

        assertTrue(backend.isClosed());
        queues.get(1).addChain(readable(0x6000, 72));
        net.queueNotify(VirtioNet.TX_QUEUE);
        net.activate(memory, List.of(
                Virtqueue.create(net.name(), 0, memory, queues.get(0).layout(), VirtioFeatures.VERSION_1, r -> { }),
                Virtqueue.create(net.name(), 1, memory, queues.get(1).layout(), VirtioFeatures.VERSION_1, r -> { })),
                interrupts::incrementAndGet);
        net.queueNotify(VirtioNet.TX_QUEUE);
        assertEquals(0, queues.get(1).usedIdx());
    }
}
