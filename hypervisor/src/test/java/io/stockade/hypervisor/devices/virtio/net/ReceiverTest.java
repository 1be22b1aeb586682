package io.stockade.hypervisor.devices.virtio.net;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.frame;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.guestHeader;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.header;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue.Used;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.devices.virtio.net.Receiver.Outcome;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receive path, driven synchronously: what reaches the guest's rx buffers and when the backend is read. */
class ReceiverTest {

    private final GuestMemory memory = TestRam.create();
    private final FakeNetBackend backend = new FakeNetBackend();
    private final TrafficCounters counters = new TrafficCounters();
    private final Receiver receiver = new Receiver("virtio-net test", backend, counters);
    private final AtomicInteger interrupts = new AtomicInteger();
    private MockDriverQueue rx;

    @BeforeEach
    void activate() {
        rx = new MockDriverQueue(memory, 0, 16);
        Virtqueue queue = Virtqueue.create("virtio-net test", 0, memory, rx.layout(),
                VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX, reason -> { });
        receiver.attach(new ActiveQueue(memory, queue, interrupts::incrementAndGet));
    }

    @AfterEach
    void close() {
        receiver.close();
        backend.close();
        memory.close();
    }

    private byte[] bytes(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }

    @Test
    void aPacketLandsByteExactAcrossTheChainsBuffersWithTheHeaderTheDriverExpects() {
        byte[] frame = frame(1514, 3);
        // DATA_VALID and a stray num_buffers from the TAP must not reach a driver that negotiated neither.
        backend.inject(packet(header(2, 0), frame));
        int head = rx.addChain(writable(0x4000, 20), writable(TestRam.HIGH, 2000));

        assertEquals(Outcome.WAITING_FOR_BUFFERS, receiver.pump(64));

        assertEquals(List.of(new Used(head, 12 + 1514)), rx.allUsed());
        byte[] written = new byte[12 + 1514];
        System.arraycopy(bytes(0x4000, 20), 0, written, 0, 20);
        System.arraycopy(bytes(TestRam.HIGH, 12 + 1514 - 20), 0, written, 20, 12 + 1514 - 20);
        assertArrayEquals(packet(guestHeader(), frame), written);
        assertEquals(0, memory.readByte(TestRam.HIGH + 12 + 1514 - 20), "not one byte past the packet");
        assertEquals(1, interrupts.get());
        assertEquals(new NetStatistics(1, 1514, 0, 0, 0, 0), counters.snapshot());
    }

    @Test
    void withoutGuestBuffersTheBackendIsNotRead() {
        backend.inject(packet(frame(60, 1)));
        backend.inject(packet(frame(60, 2)));

        assertEquals(Outcome.WAITING_FOR_BUFFERS, receiver.pump(64));

        assertEquals(0, backend.receiveCalls());
        assertEquals(2, backend.waitingPackets());
        assertEquals(0, interrupts.get());
    }

    @Test
    void aBufferIsHeldUntilAPacketArrivesThenPacketsGoInOrder() {
        int first = rx.addChain(writable(0x4000, 1526));
        int second = rx.addChain(writable(0x5000, 1526));

        assertEquals(Outcome.WAITING_FOR_PACKETS, receiver.pump(64));
        assertEquals(0, rx.usedIdx());

        backend.inject(packet(frame(60, 1)));
        backend.inject(packet(frame(70, 2)));
        backend.inject(packet(frame(80, 3)));
        assertEquals(Outcome.WAITING_FOR_BUFFERS, receiver.pump(64));

        assertEquals(List.of(new Used(first, 72), new Used(second, 82)), rx.allUsed());
        assertArrayEquals(frame(60, 1), bytes(0x4000 + 12, 60));
        assertArrayEquals(frame(70, 2), bytes(0x5000 + 12, 70));
        assertEquals(1, backend.waitingPackets(), "the third packet waits in the backend for a buffer");
    }

    @Test
    void aPacketTooBigForTheBufferIsDroppedAndTheBufferServesTheNextOne() {
        int head = rx.addChain(writable(0x4000, 100));
        backend.inject(packet(frame(200, 1)));
        backend.inject(packet(frame(60, 2)));

        receiver.pump(64);

        assertEquals(List.of(new Used(head, 72)), rx.allUsed());
        assertArrayEquals(frame(60, 2), bytes(0x4000 + 12, 60));
        assertEquals(new NetStatistics(1, 60, 1, 0, 0, 0), counters.snapshot());
    }

    @Test
    void buffersTooSmallForAnyPacketGoBackUnusedWithoutReadingTheBackend() {
        int tiny = rx.addChain(writable(0x4000, 25));
        backend.inject(packet(frame(60, 1)));

        assertEquals(Outcome.WAITING_FOR_BUFFERS, receiver.pump(64));

        assertEquals(List.of(new Used(tiny, 0)), rx.allUsed());
        assertEquals(0, backend.receiveCalls());
        assertEquals(1, interrupts.get(), "the driver gets its buffer back");
    }

    @Test
    void undersizedOversizedAndOffloadedPacketsFromTheBackendAreDropped() {
        int head = rx.addChain(writable(0x4000, 1526));
        backend.inject(new byte[12 + 13]);                      // no room for an Ethernet header
        backend.inject(packet(frame(65_551, 9)));                // one byte over the largest frame
        backend.inject(packet(header(1, 0), frame(60, 4)));      // NEEDS_CSUM
        backend.inject(packet(header(0, 1), frame(60, 5)));      // GSO TCPv4
        backend.inject(packet(frame(60, 6)));

        receiver.pump(64);

        assertEquals(List.of(new Used(head, 72)), rx.allUsed());
        assertArrayEquals(frame(60, 6), bytes(0x4000 + 12, 60));
        assertEquals(4, counters.snapshot().rxDropped());
    }

    @Test
    void theLargestFrameIsDelivered() {
        int head = rx.addChain(writable(0x1000, 0xf000), writable(TestRam.HIGH, 0x2000));
        byte[] largest = frame(NetHeader.MAX_FRAME_BYTES, 5);
        backend.inject(packet(largest));

        receiver.pump(64);

        int total = 12 + 65_550;
        assertEquals(List.of(new Used(head, total)), rx.allUsed());
        assertArrayEquals(packet(guestHeader(), largest),
                concat(bytes(0x1000, 0xf000), bytes(TestRam.HIGH, total - 0xf000)));
    }

    @Test
    void aRunStopsAfterItsBudgetAndTheNextRunGoesOn() {
        rx.addChain(writable(0x4000, 1526));
        rx.addChain(writable(0x5000, 1526));
        int third = rx.addChain(writable(0x6000, 1526));
        for (int i = 0; i < 3; i++) {
            backend.inject(packet(frame(60, i)));
        }

        assertEquals(Outcome.BUDGET_SPENT, receiver.pump(2));
        assertEquals(2, rx.usedIdx());
        assertEquals(1, interrupts.get(), "one interrupt per run");

        assertEquals(Outcome.WAITING_FOR_BUFFERS, receiver.pump(2));
        assertEquals(new Used(third, 72), rx.used(2));
    }

    @Test
    void aFailingBackendStopsReceptionForGood() {
        rx.addChain(writable(0x4000, 1526));
        backend.failReceives(new IllegalStateException("read(tap0): EBADFD"));

        assertEquals(Outcome.BACKEND_FAILED, receiver.pump(64));
        assertEquals(Outcome.BACKEND_FAILED, receiver.pump(64));

        assertEquals(1, backend.receiveCalls());
        assertEquals(0, rx.usedIdx());
    }

    @Test
    void afterDetachNothingIsReadOrWritten() {
        rx.addChain(writable(0x4000, 1526));
        backend.inject(packet(frame(60, 1)));
        byte[] before = TestRam.snapshot(memory);

        receiver.detach();

        assertEquals(Outcome.INACTIVE, receiver.pump(64));
        assertEquals(0, backend.receiveCalls());
        assertArrayEquals(before, TestRam.snapshot(memory));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
