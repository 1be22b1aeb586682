package io.stockade.hypervisor.devices.virtio.net;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.frame;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.header;
import static io.stockade.hypervisor.devices.virtio.net.TestPackets.packet;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue.Used;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.LinuxException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The transmit path, driven synchronously: what reaches the backend and what the driver gets back. */
class TransmitterTest {

    private final GuestMemory memory = TestRam.create();
    private final FakeNetBackend backend = new FakeNetBackend();
    private final TrafficCounters counters = new TrafficCounters();
    private final Transmitter transmitter = new Transmitter("virtio-net test", backend, counters);
    private final AtomicInteger interrupts = new AtomicInteger();
    private MockDriverQueue tx;

    @BeforeEach
    void activate() {
        tx = new MockDriverQueue(memory, 0, 16);
        Virtqueue queue = Virtqueue.create("virtio-net test", 1, memory, tx.layout(),
                VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC, reason -> { });
        transmitter.attach(new ActiveQueue(memory, queue, interrupts::incrementAndGet));
    }

    @AfterEach
    void close() {
        transmitter.close();
        backend.close();
        memory.close();
    }

    /** Puts {@code bytes} at {@code address} and returns a readable buffer for them. */
    private MockDriverQueue.Buffer put(long address, byte[] bytes) {
        memory.write(address, bytes);
        return readable(address, bytes.length);
    }

    @Test
    void aPacketReachesTheBackendByteExactWithItsHeaderZeroed() {
        byte[] frame = frame(1514, 11);
        // A header with no offload requested but junk in hdr_len, gso_size and csum_*: the TAP must see zeros.
        int head = tx.addChain(put(0x4000, header(0, 0)), put(TestRam.HIGH, frame));

        transmitter.drain();

        assertEquals(1, backend.sent().size());
        assertArrayEquals(packet(frame), backend.sent().getFirst());
        assertEquals(List.of(new Used(head, 0)), tx.allUsed());
        assertEquals(1, interrupts.get());
        assertEquals(new NetStatistics(0, 0, 0, 1, 1514, 0), counters.snapshot());
    }

    @Test
    void headerAndFrameMayShareOneBufferOrComeThroughAnIndirectTable() {
        byte[] first = packet(frame(60, 1));
        byte[] second = packet(frame(90, 2));
        tx.addChain(put(0x4000, first));
        tx.addIndirectChain(0x3000, put(0x5000, Arrays.copyOf(second, 40)),
                put(0x6000, Arrays.copyOfRange(second, 40, second.length)));

        transmitter.drain();

        assertEquals(2, backend.sent().size());
        assertArrayEquals(first, backend.sent().get(0));
        assertArrayEquals(second, backend.sent().get(1));
        assertEquals(1, interrupts.get(), "one interrupt for the batch");
    }

    @Test
    void undersizedAndOversizedPacketsAreDroppedAndTheirChainsReturned() {
        int undersized = tx.addChain(put(0x4000, new byte[12 + 13]));
        byte[] oversized = packet(frame(65_551, 3));
        int tooBig = tx.addChain(put(0x8000, Arrays.copyOf(oversized, 0x8000)),
                put(TestRam.HIGH, Arrays.copyOfRange(oversized, 0x8000, oversized.length)));
        int fine = tx.addChain(put(0x5000, packet(frame(60, 4))));

        transmitter.drain();

        assertEquals(List.of(new Used(undersized, 0), new Used(tooBig, 0), new Used(fine, 0)), tx.allUsed());
        assertEquals(1, backend.sent().size());
        assertArrayEquals(packet(frame(60, 4)), backend.sent().getFirst());
        assertEquals(new NetStatistics(0, 0, 0, 1, 60, 2), counters.snapshot());
    }

    @Test
    void theLargestFrameIsSent() {
        byte[] largest = packet(frame(NetHeader.MAX_FRAME_BYTES, 8));
        tx.addChain(put(0x4000, Arrays.copyOf(largest, 0x8000)),
                put(TestRam.HIGH, Arrays.copyOfRange(largest, 0x8000, largest.length)));

        transmitter.drain();

        assertArrayEquals(largest, backend.sent().getFirst());
    }

    @Test
    void packetsAskingForOffloadsThatWereNotNegotiatedAreDropped() {
        tx.addChain(put(0x4000, packet(header(1, 0), frame(60, 1))));   // NEEDS_CSUM
        tx.addChain(put(0x5000, packet(header(0, 4), frame(60, 2))));   // GSO TCPv6

        transmitter.drain();

        assertEquals(List.of(), backend.sent());
        assertEquals(2, tx.usedIdx());
        assertEquals(2, counters.snapshot().txDropped());
    }

    @Test
    void writableBuffersOfATxChainAreLeftAlone() {
        int head = tx.addChain(put(0x4000, packet(frame(60, 1))), writable(0x5000, 64));

        transmitter.drain();

        assertEquals(List.of(new Used(head, 0)), tx.allUsed());
        assertArrayEquals(new byte[64], readAt(0x5000, 64));
    }

    @Test
    void aFullBackendDropsTheFrameButTheDriverGetsItsBufferBack() {
        backend.refuseSends(true);
        int head = tx.addChain(put(0x4000, packet(frame(60, 1))));

        transmitter.drain();

        assertEquals(List.of(new Used(head, 0)), tx.allUsed());
        assertEquals(1, counters.snapshot().txDropped());
    }

    @Test
    void aFailingBackendDropsFramesUntilItRecovers() {
        backend.failSends(new LinuxException("write", "tap stk0 fd 9", Errno.EIO.number()));
        tx.addChain(put(0x4000, packet(frame(60, 1))));
        tx.addChain(put(0x5000, packet(frame(60, 2))));
        transmitter.drain();

        backend.failSends(null);
        tx.addChain(put(0x6000, packet(frame(60, 3))));
        transmitter.drain();

        assertEquals(3, tx.usedIdx());
        assertEquals(1, backend.sent().size());
        assertArrayEquals(packet(frame(60, 3)), backend.sent().getFirst());
        assertEquals(new NetStatistics(0, 0, 0, 1, 60, 2), counters.snapshot());
    }

    @Test
    void afterDetachNothingIsSent() {
        tx.addChain(put(0x4000, packet(frame(60, 1))));
        transmitter.detach();

        transmitter.drain();

        assertEquals(List.of(), backend.sent());
        assertEquals(0, tx.usedIdx());
    }

    private byte[] readAt(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }
}
