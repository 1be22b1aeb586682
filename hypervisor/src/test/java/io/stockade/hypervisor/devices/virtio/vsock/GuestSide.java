package io.stockade.hypervisor.devices.virtio.vsock;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The guest's half of a virtio-vsock device, for tests: guest memory with the three queues, a driver that posts RX
 * buffers (each followed by canary bytes, checked on every packet, so a write past a buffer is caught), sends TX
 * packets and reads back what the device produced. Every access to guest memory runs on the device's event loop,
 * so the test thread never races the device.
 */
final class GuestSide implements AutoCloseable {

    static final long GUEST_CID = 3;
    static final int QUEUE_SIZE = 256;
    private static final long RX_RING = 0x0;
    private static final long TX_RING = 0x2000;
    private static final long EVENT_RING = 0x4000;
    private static final long RX_AREA = 0x1_0000;
    private static final long TX_AREA = 0x20_0000;
    static final long SCRATCH = 0x30_0000;
    private static final int TX_SLOT = 0x2000;
    private static final int TX_SLOTS = 64;
    private static final int CANARY_BYTES = 16;
    private static final byte CANARY = (byte) 0xa5;
    private static final long MEMORY_BYTES = 0x40_0000;

    /** A packet the device delivered. */
    record Packet(PacketHeader header, byte[] payload) {
        Op op() {
            return Op.of(header.op()).orElseThrow();
        }

        ConnectionKey key() {
            return new ConnectionKey(header.srcPort(), header.dstPort());
        }
    }

    /** How the driver lays out RX buffers: Linux 6.1 puts the header and the data in separate descriptors. */
    record RxLayout(boolean splitHeader, int payloadBytes) {
        int slotBytes() {
            return PacketHeader.BYTES + CANARY_BYTES + payloadBytes + CANARY_BYTES;
        }
    }

    private final EventLoop loop;
    private final GuestMemory memory;
    private final VirtioVsock device;
    private final MockDriverQueue rx;
    private final MockDriverQueue tx;
    private final MockDriverQueue events;
    private final AtomicInteger interrupts = new AtomicInteger();
    private final RxLayout layout;
    private final ArrayDeque<Packet> backlog = new ArrayDeque<>();

    // Event loop only.
    private final Map<Integer, Integer> rxSlotOfHead = new HashMap<>();
    private final ArrayDeque<Integer> freeRxSlots = new ArrayDeque<>();
    private int rxUsedSeen;
    private int txSent;
    private int txUsedSeen;

    GuestSide(Path socket, RxLayout layout, int rxBuffers, HybridUnixBackend.Limits limits) {
        this.layout = layout;
        if ((long) rxBuffers * layout.slotBytes() > TX_AREA - RX_AREA) {
            throw new IllegalArgumentException("RX buffers do not fit the test's guest memory");
        }
        this.loop = EventLoop.start("vsock-test-loop");
        this.memory = GuestMemory.ofHeap(List.of(new RegionSpec(0, MEMORY_BYTES)));
        this.device = VirtioVsock.create("virtio-vsock test", GUEST_CID, socket, loop, limits);
        this.rx = new MockDriverQueue(memory, RX_RING, QUEUE_SIZE);
        this.tx = new MockDriverQueue(memory, TX_RING, QUEUE_SIZE);
        this.events = new MockDriverQueue(memory, EVENT_RING, QUEUE_SIZE);
        long features = VirtioFeatures.VERSION_1;
        device.activate(memory, List.of(
                Virtqueue.create(device.name(), 0, memory, rx.layout(), features, reason -> { }),
                Virtqueue.create(device.name(), 1, memory, tx.layout(), features, reason -> { }),
                Virtqueue.create(device.name(), 2, memory, events.layout(), features, reason -> { })),
                interrupts::incrementAndGet);
        loop.run(() -> {
            for (int i = 0; i < rxBuffers; i++) {
                freeRxSlots.add(i);
            }
        });
        postAllRxBuffers();
    }

    GuestSide(Path socket) {
        this(socket, new RxLayout(true, 4096), 64, HybridUnixBackend.Limits.DEFAULT);
    }

    VirtioVsock device() {
        return device;
    }

    GuestMemory memory() {
        return memory;
    }

    EventLoop loop() {
        return loop;
    }

    int interrupts() {
        return interrupts.get();
    }

    // ---------------------------------------------------------------- sending

    /** A header from the guest's socket at {@code guestPort} to host port {@code hostPort}. */
    static PacketHeader header(Op op, int guestPort, int hostPort, int len, int flags, int bufAlloc, int fwdCnt) {
        return new PacketHeader(GUEST_CID, PacketHeader.HOST_CID, guestPort, hostPort, len, PacketHeader.TYPE_STREAM,
                op.code(), flags, bufAlloc, fwdCnt);
    }

    /** Sends header and payload in one readable descriptor and waits until the device has processed it. */
    void send(PacketHeader h, byte[] payload) {
        byte[] packet = Arrays.copyOf(h.encode(), PacketHeader.BYTES + payload.length);
        System.arraycopy(payload, 0, packet, PacketHeader.BYTES, payload.length);
        if (packet.length > TX_SLOT) {
            throw new IllegalArgumentException("test packets are at most " + TX_SLOT + " bytes");
        }
        loop.run(() -> {
            long slot = TX_AREA + (long) (txSent % TX_SLOTS) * TX_SLOT;
            memory.write(slot, packet);
            tx.addChain(readable(slot, packet.length));
            txSent++;
        });
        notifyAndSettle(VirtioVsock.TX_QUEUE);
    }

    void send(PacketHeader h) {
        send(h, new byte[0]);
    }

    /** Makes an arbitrary chain available on the TX queue (hostile tests fill the buffers first). */
    void sendChain(MockDriverQueue.Buffer... buffers) {
        loop.run(() -> {
            tx.addChain(buffers);
            txSent++;
        });
        notifyAndSettle(VirtioVsock.TX_QUEUE);
    }

    /** Writes {@code bytes} at guest address {@code at} (for hand-made chains). */
    void poke(long at, byte[] bytes) {
        loop.run(() -> memory.write(at, bytes));
    }

    /** How many TX chains the device has returned. */
    int txUsed() {
        return loop.call(tx::usedIdx);
    }

    /** Posts one raw RX chain (hostile tests), outside the managed buffers. */
    void postRawRx(MockDriverQueue.Buffer... buffers) {
        loop.run(() -> rxSlotOfHead.put(rx.addChain(buffers), -1));
        notifyAndSettle(VirtioVsock.RX_QUEUE);
    }

    /** Posts an event buffer of {@code bytes} at {@code at}. */
    void postEventBuffer(long at, int bytes) {
        loop.run(() -> events.addChain(writable(at, bytes)));
        notifyAndSettle(VirtioVsock.EVENT_QUEUE);
    }

    /** The used elements of the event queue. */
    List<MockDriverQueue.Used> eventsUsed() {
        return loop.call(events::allUsed);
    }

    private void notifyAndSettle(int queue) {
        device.queueNotify(queue);
        loop.run(() -> { }); // the device's pump was queued before this, so it has run
    }

    // ---------------------------------------------------------------- receiving

    /** The next packet from the device, waiting for it (with a generous hang guard). */
    Packet next() {
        return next(p -> true);
    }

    /** The next packet matching {@code wanted}; packets that do not match stay queued in order. */
    Packet next(Predicate<Packet> wanted) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            Optional<Packet> p = poll(wanted);
            if (p.isPresent()) {
                return p.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching packet from the device; have " + backlog);
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    /** The next matching packet that has already arrived, if any. */
    Optional<Packet> poll(Predicate<Packet> wanted) {
        collect();
        for (Iterator<Packet> it = backlog.iterator(); it.hasNext(); ) {
            Packet p = it.next();
            if (wanted.test(p)) {
                it.remove();
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Everything the device has delivered and the test has not taken yet, after the device settled. */
    List<Packet> drain() {
        loop.run(() -> { });
        collect();
        List<Packet> all = List.copyOf(backlog);
        backlog.clear();
        return all;
    }

    private void collect() {
        List<Packet> arrived = loop.call(this::takeUsedRx);
        backlog.addAll(arrived);
        if (!arrived.isEmpty()) {
            device.queueNotify(VirtioVsock.RX_QUEUE); // buffers were re-posted
        }
    }

    /** Loop thread: reads new used RX elements, checks their canaries, re-posts managed buffers. */
    private List<Packet> takeUsedRx() {
        List<Packet> out = new java.util.ArrayList<>();
        while (rxUsedSeen != rx.usedIdx()) {
            MockDriverQueue.Used used = rx.used(rxUsedSeen);
            rxUsedSeen = (rxUsedSeen + 1) & 0xffff;
            Integer slot = rxSlotOfHead.remove(used.id());
            if (slot == null) {
                throw new AssertionError("device returned RX head " + used.id() + " that is not outstanding");
            }
            if (slot < 0) {
                out.add(new Packet(null, new byte[used.length()])); // a raw chain: the test inspects it itself
                continue;
            }
            long base = RX_AREA + (long) slot * layout.slotBytes();
            checkCanaries(base);
            if (used.length() < PacketHeader.BYTES) {
                throw new AssertionError("RX used length " + used.length() + " is shorter than a header");
            }
            byte[] raw = new byte[PacketHeader.BYTES];
            memory.read(base, raw, 0, raw.length);
            PacketHeader h = PacketHeader.decode(raw);
            if (used.length() != PacketHeader.BYTES + h.len()) {
                throw new AssertionError("used length " + used.length() + " disagrees with header " + h);
            }
            if (h.len() > layout.payloadBytes()) {
                throw new AssertionError("payload " + h.len() + " exceeds the buffer of " + layout.payloadBytes());
            }
            byte[] payload = new byte[h.len()];
            memory.read(payloadAddress(base), payload, 0, payload.length);
            out.add(new Packet(h, payload));
            freeRxSlots.add(slot);
        }
        postFreeRxBuffers();
        return out;
    }

    private void postAllRxBuffers() {
        loop.run(this::postFreeRxBuffers);
        device.queueNotify(VirtioVsock.RX_QUEUE);
    }

    private void postFreeRxBuffers() {
        for (Integer slot = freeRxSlots.poll(); slot != null; slot = freeRxSlots.poll()) {
            long base = RX_AREA + (long) slot * layout.slotBytes();
            byte[] canaried = new byte[layout.slotBytes()];
            Arrays.fill(canaried, CANARY);
            memory.write(base, canaried);
            int head = layout.splitHeader()
                    ? rx.addChain(writable(base, PacketHeader.BYTES),
                            writable(payloadAddress(base), layout.payloadBytes()))
                    : rx.addChain(writable(base, PacketHeader.BYTES + layout.payloadBytes()));
            rxSlotOfHead.put(head, slot);
        }
    }

    private long payloadAddress(long base) {
        return layout.splitHeader() ? base + PacketHeader.BYTES + CANARY_BYTES : base + PacketHeader.BYTES;
    }

    private void checkCanaries(long base) {
        long[] canaries = layout.splitHeader()
                ? new long[] {base + PacketHeader.BYTES, payloadAddress(base) + layout.payloadBytes()}
                : new long[] {payloadAddress(base) + layout.payloadBytes()};
        for (long at : canaries) {
            byte[] bytes = new byte[CANARY_BYTES];
            memory.read(at, bytes, 0, bytes.length);
            for (byte b : bytes) {
                if (b != CANARY) {
                    throw new AssertionError(String.format("the device wrote past an RX buffer at 0x%x", at));
                }
            }
        }
    }

    @Override
    public void close() {
        device.reset();
        device.close();
        loop.close();
        memory.close();
    }
}
