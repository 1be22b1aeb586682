package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.ConfigSpace;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Epoll;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-net (VIRTIO 1.2 §5.1) over a {@link NetBackend}, usually a {@link TapBackend}: receive queue 0, transmit
 * queue 1, a fixed MAC address and a link that is always up, and no offloads — the simplest device Linux's
 * virtio_net drives at full MTU. See the package documentation for why the header is handled as it is.
 *
 * <p><b>Threads.</b> Transmission runs inline on the thread that notifies the tx queue; a TAP write never blocks,
 * and draining inline keeps the driver's notification suppression exact. Reception runs on the VMM's
 * {@link EventLoop}: the backend's fd is watched only while the device holds a guest buffer and waits for a packet,
 * and a notification on the rx queue (new buffers) re-runs the receive path there. Each run delivers a bounded
 * number of packets before yielding, so a busy link cannot starve the loop's other devices.
 *
 * <p>The device owns the backend from construction and closes it in {@link #close()}.
 */
public final class VirtioNet implements VirtioDevice, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VirtioNet.class);

    /** Config field mac is valid (§5.1.3). */
    public static final long F_MAC = 1L << 5;
    /** Config field status is valid. */
    public static final long F_STATUS = 1L << 16;
    /** The largest size of each queue. */
    public static final int QUEUE_MAX_SIZE = 256;
    public static final int RX_QUEUE = 0;
    public static final int TX_QUEUE = 1;

    static final int CONFIG_MAC = 0;
    static final int CONFIG_STATUS = 6;
    static final int STATUS_LINK_UP = 1;
    private static final int CONFIG_BYTES = 8; // mac + status; max_virtqueue_pairs and later need features we lack
    /** Chains returned per receive run before the loop's other work gets a turn. */
    static final int RX_BUDGET = 64;

    private final String name;
    private final MacAddress mac;
    private final NetBackend backend;
    private final EventLoop loop;
    private final ConfigSpace config;
    private final TrafficCounters counters = new TrafficCounters();
    private final Receiver receiver;
    private final Transmitter transmitter;
    private final AtomicBoolean rxRunQueued = new AtomicBoolean();

    // Loop thread only. The backend's fd is registered by the first receive run, so the constructor has no effects.
    private Registration readiness;
    private int watchedEvents;
    private boolean closed;

    /**
     * @param backend where frames go and come from; the device takes ownership
     * @param loop runs the receive path; owned by the caller, who must keep it running while the device is in use
     */
    public VirtioNet(String name, MacAddress mac, NetBackend backend, EventLoop loop) {
        this.name = name;
        this.mac = mac;
        this.backend = backend;
        this.loop = loop;
        byte[] m = mac.bytes();
        this.config = ConfigSpace.ofSize(CONFIG_BYTES)
                .withInt(CONFIG_MAC, (m[0] & 0xff) | (m[1] & 0xff) << 8 | (m[2] & 0xff) << 16 | (m[3] & 0xff) << 24)
                .withShort(CONFIG_MAC + 4, (m[4] & 0xff) | (m[5] & 0xff) << 8)
                .withShort(CONFIG_STATUS, STATUS_LINK_UP);
        this.receiver = new Receiver(name, backend, counters);
        this.transmitter = new Transmitter(name, backend, counters);
    }

    @Override
    public DeviceType deviceType() {
        return DeviceType.NET;
    }

    @Override
    public String name() {
        return name;
    }

    public MacAddress mac() {
        return mac;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX
                | F_MAC | F_STATUS;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_MAX_SIZE, QUEUE_MAX_SIZE);
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        config.read(offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // mac is driver-writable only for legacy drivers; VERSION_1 drivers change it via the control queue.
        log.debug("{}: ignoring a {}-byte write at config offset 0x{}", name, data.length, Long.toHexString(offset));
    }

    @Override
    public void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (queues.size() != 2) {
            throw new IllegalStateException(name + " needs an rx and a tx queue, got " + queues.size() + " queue(s)");
        }
        receiver.attach(new ActiveQueue(memory, queues.get(RX_QUEUE), usedBuffers));
        transmitter.attach(new ActiveQueue(memory, queues.get(TX_QUEUE), usedBuffers));
        scheduleReceive();
    }

    @Override
    public void queueNotify(int queueIndex) {
        switch (queueIndex) {
            case RX_QUEUE -> scheduleReceive();
            case TX_QUEUE -> transmitter.drain();
            default -> log.debug("{}: ignoring a notification for queue {}, which does not exist", name, queueIndex);
        }
    }

    @Override
    public void reset() {
        receiver.detach();
        transmitter.detach();
        scheduleReceive(); // stops watching the backend
    }

    /** What went through the device so far. */
    public NetStatistics statistics() {
        return counters.snapshot();
    }

    /**
     * Stops serving the guest and closes the backend. Waits for a receive run in progress on the event loop;
     * idempotent.
     */
    @Override
    public void close() {
        boolean first = loop.call(() -> {
            if (closed) {
                return false;
            }
            closed = true;
            if (readiness != null) {
                readiness.cancel(); // on the loop thread: the handler cannot run again
            }
            return true;
        });
        if (!first) {
            return;
        }
        receiver.detach();
        transmitter.detach();
        receiver.close();
        transmitter.close();
        backend.close();
    }

    private void scheduleReceive() {
        if (rxRunQueued.compareAndSet(false, true)) {
            try {
                loop.execute(this::receive);
            } catch (RuntimeException e) {
                rxRunQueued.set(false);
                log.warn("{}: cannot schedule reception on {}: {}", name, loop, e.getMessage());
            }
        }
    }

    private void backendReady(int events) {
        if ((events & (Epoll.EPOLLERR | Epoll.EPOLLHUP)) != 0) {
            receiver.backendFailed(String.format("epoll reports events 0x%x on fd %d", events,
                    backend.readinessFd()));
            readiness.cancel();
            return;
        }
        receive();
    }

    /** One receive run; loop thread only. */
    private void receive() {
        rxRunQueued.set(false);
        if (closed || !watchBackend()) {
            return;
        }
        switch (receiver.pump(RX_BUDGET)) {
            case WAITING_FOR_PACKETS -> watch(Epoll.EPOLLIN);
            case BUDGET_SPENT -> {
                watch(0);
                scheduleReceive();
            }
            case WAITING_FOR_BUFFERS, INACTIVE -> watch(0);
            case BACKEND_FAILED -> readiness.cancel();
        }
    }

    /** Registers the backend's fd, watched for nothing yet (errors and hang-ups are reported regardless). */
    private boolean watchBackend() {
        if (readiness == null) {
            try {
                readiness = loop.register(backend.readinessFd(), 0, this::backendReady);
            } catch (RuntimeException e) {
                receiver.backendFailed("cannot watch its fd " + backend.readinessFd() + ": " + e.getMessage());
                return false;
            }
        }
        return true;
    }

    private void watch(int events) {
        if (events != watchedEvents) {
            readiness.modify(events);
            watchedEvents = events;
        }
    }

    @Override
    public String toString() {
        return name + " (" + mac + ") on " + backend;
    }
}
