package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.ConfigSpace;
import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-vsock (VIRTIO 1.2 §5.10) with the hybrid unix-socket backend: the guest's sockets talk to host unix sockets
 * — host clients reach guest port P through {@code <path>} with {@code CONNECT P\n}, guest connections to host port P
 * reach {@code <path>_P}. Stream sockets only.
 *
 * <p>Queues: RX (0) carries packets to the guest, TX (1) packets from it, EVENT (2) transport events. Every TX packet
 * is validated (complete header, the guest's own CID as source, the host as destination, STREAM type, a known op,
 * a length within its buffers and 64 KiB); a bad one is answered with RST where its addressing can be trusted and
 * otherwise dropped, and logged either way. RX packets never exceed the buffers the guest posted.
 *
 * <p>All packet and socket work happens on the {@link EventLoop}: a queue notification from a vCPU only hands over
 * to it, and activation, reset and close wait for it, so device state needs no locks.
 */
public final class VirtioVsock implements VirtioDevice, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VirtioVsock.class);

    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;
    public static final int EVENT_QUEUE = 2;
    /** Each queue's largest size. */
    public static final int QUEUE_MAX_SIZE = 256;
    /** The lowest CID a guest may have: 0 and 1 are reserved, 2 is the host. */
    public static final long MIN_GUEST_CID = 3;
    /** The highest CID a guest may have: 2^32 - 1 is VMADDR_CID_ANY. */
    public static final long MAX_GUEST_CID = 0xffff_fffeL;

    static final int EVENT_TRANSPORT_RESET = 0;
    /** Invalid packets logged at WARN before the rest go to DEBUG, so a hostile guest cannot flood the log. */
    private static final int LOUD_INVALID_PACKETS = 16;

    private final String name;
    private final long guestCid;
    private final EventLoop loop;
    private final HybridUnixBackend backend;
    private final ConfigSpace config;

    /** What one activation serves. */
    private record Session(GuestMemory memory, Virtqueue rx, Virtqueue tx, Virtqueue events, Interrupt interrupt) {
    }

    // Written on the loop thread, read by vCPU threads to hand notifications over.
    private volatile Session session;
    // Event loop only.
    private DescriptorChain heldRxChain;
    private long invalidPackets;

    private VirtioVsock(String name, long guestCid, EventLoop loop, HybridUnixBackend backend) {
        this.name = name;
        this.guestCid = guestCid;
        this.loop = loop;
        this.backend = backend;
        this.config = ConfigSpace.ofSize(8).withLong(0, guestCid);
        backend.onRxReady(this::onHostActivity);
    }

    /**
     * A vsock device for guest CID {@code guestCid} whose host side listens on {@code socketPath}.
     *
     * @throws IllegalArgumentException if the CID is reserved or out of range
     * @throws io.stockade.hypervisor.sys.LinuxException if the socket cannot be bound (for example the path exists)
     */
    public static VirtioVsock create(String name, long guestCid, Path socketPath, EventLoop loop) {
        return create(name, guestCid, socketPath, loop, HybridUnixBackend.Limits.DEFAULT);
    }

    static VirtioVsock create(String name, long guestCid, Path socketPath, EventLoop loop,
                              HybridUnixBackend.Limits limits) {
        if (guestCid < MIN_GUEST_CID || guestCid > MAX_GUEST_CID) {
            throw new IllegalArgumentException(name + ": guest CID " + guestCid + " must lie in [" + MIN_GUEST_CID
                    + ", " + MAX_GUEST_CID + "]");
        }
        HybridUnixBackend backend = loop.call(() -> HybridUnixBackend.listen(socketPath, guestCid, loop, limits));
        return new VirtioVsock(name, guestCid, loop, backend);
    }

    @Override
    public DeviceType deviceType() {
        return DeviceType.VSOCK;
    }

    @Override
    public String name() {
        return name;
    }

    public long guestCid() {
        return guestCid;
    }

    /** The unix socket host clients connect to. */
    public Path socketPath() {
        return backend.path();
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_MAX_SIZE, QUEUE_MAX_SIZE, QUEUE_MAX_SIZE);
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        config.read(offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        log.debug("{}: ignoring a {}-byte write at config offset 0x{}; guest_cid is read-only", name, data.length,
                Long.toHexString(offset));
    }

    @Override
    public void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (queues.size() != 3) {
            throw new IllegalStateException(name + " needs 3 queues (rx, tx, event), got " + queues.size());
        }
        loop.run(() -> {
            heldRxChain = null;
            session = new Session(memory, queues.get(RX_QUEUE), queues.get(TX_QUEUE), queues.get(EVENT_QUEUE),
                    usedBuffers);
            backend.activate();
        });
    }

    @Override
    public void queueNotify(int queueIndex) {
        Session s = session;
        if (s == null || queueIndex == EVENT_QUEUE) {
            return; // event buffers are only used when there is an event
        }
        loop.execute(() -> {
            if (session == s) {
                pump(s);
            }
        });
    }

    @Override
    public void reset() {
        loop.run(() -> {
            session = null;
            heldRxChain = null;
            backend.deactivate();
        });
    }

    /**
     * Tells the guest that every connection is gone (VIRTIO_VSOCK_EVENT_TRANSPORT_RESET, e.g. after a restore) and
     * closes their host sides.
     *
     * @return whether the event reached the guest: false if the driver is not active or posted no event buffer
     */
    public boolean sendTransportReset() {
        return loop.call(() -> {
            Session s = session;
            if (s == null) {
                return false;
            }
            backend.dropAllConnections(); // a held RX chain stays held: it is still a good buffer
            Optional<DescriptorChain> chain = s.events.pop();
            if (chain.isEmpty()) {
                log.warn("{}: cannot deliver a transport reset: the guest posted no event buffer", name);
                return false;
            }
            DescriptorChain c = chain.get();
            if (c.writable().length() < 4) {
                log.warn("{}: event buffer with head {} has {} writable bytes, less than the 4 of an event", name,
                        c.headIndex(), c.writable().length());
                s.events.addUsed(c.headIndex(), 0);
                return false;
            }
            c.writable().write(s.memory, 0, new byte[] {EVENT_TRANSPORT_RESET, 0, 0, 0}, 0, 4);
            s.events.addUsed(c.headIndex(), 4);
            if (s.events.needsNotification()) {
                s.interrupt.trigger();
            }
            return true;
        });
    }

    /** Closes every connection and the host listener, and removes its socket file. */
    @Override
    public void close() {
        loop.run(() -> {
            session = null;
            heldRxChain = null;
            backend.close();
        });
    }

    private void onHostActivity() {
        Session s = session;
        if (s != null) {
            pump(s);
        }
    }

    /**
     * Moves packets until nothing more can move: guest packets to the backend, then backend packets into RX
     * buffers, and again if TX had stopped only because answers were waiting for RX buffers.
     */
    private void pump(Session s) {
        boolean again;
        do {
            boolean txStopped = drainTx(s);
            drainRx(s);
            again = txStopped && backend.acceptsTx();
        } while (again);
    }

    /** Returns true if it stopped because the backend could take no more, false when TX ran empty. */
    private boolean drainTx(Session s) {
        boolean used = false;
        try {
            while (true) {
                if (!backend.acceptsTx()) {
                    return true;
                }
                Optional<DescriptorChain> next = s.tx.pop();
                if (next.isEmpty()) {
                    return false;
                }
                DescriptorChain chain = next.get();
                try {
                    backend.onGuestPacket(TxPacket.parse(chain, s.memory, guestCid), s.memory);
                } catch (InvalidPacket e) {
                    reportInvalid(e);
                    e.resetTarget().ifPresent(h -> backend.refuse(h, e.getMessage()));
                }
                s.tx.addUsed(chain.headIndex(), 0);
                used = true;
            }
        } finally {
            if (used && s.tx.needsNotification()) {
                s.interrupt.trigger();
            }
        }
    }

    private void drainRx(Session s) {
        boolean used = false;
        while (backend.hasPendingRx()) {
            DescriptorChain chain = heldRxChain != null ? heldRxChain : s.rx.pop().orElse(null);
            heldRxChain = null;
            if (chain == null) {
                break; // the guest has no RX buffer posted; its next notification brings us back
            }
            if (chain.writable().length() < PacketHeader.BYTES) {
                warnOrDebug("{}: RX buffer with head {} has {} writable bytes, too few for a packet header; returned"
                        + " unused", name, chain.headIndex(), chain.writable().length());
                s.rx.addUsed(chain.headIndex(), 0);
                used = true;
                continue;
            }
            OptionalLong length = backend.fillRx(new RxBuffer(s.memory, chain.writable()));
            if (length.isEmpty()) {
                heldRxChain = chain; // nothing to say after all; keep the buffer for next time
                break;
            }
            s.rx.addUsed(chain.headIndex(), length.getAsLong());
            used = true;
        }
        if (used && s.rx.needsNotification()) {
            s.interrupt.trigger();
        }
    }

    private void reportInvalid(InvalidPacket e) {
        warnOrDebug("{}: invalid packet from the guest{}: {}", name,
                e.resetTarget().isPresent() ? " (answered with RST)" : " (dropped)", e.getMessage());
    }

    private void warnOrDebug(String format, Object... args) {
        invalidPackets++;
        if (invalidPackets <= LOUD_INVALID_PACKETS) {
            log.warn(format, args);
            if (invalidPackets == LOUD_INVALID_PACKETS) {
                log.warn("{}: further protocol violations are logged at DEBUG", name);
            }
        } else {
            log.debug(format, args);
        }
    }

    @Override
    public String toString() {
        return name + " (guest CID " + guestCid + ", " + backend + ")";
    }
}
