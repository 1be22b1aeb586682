package io.stockade.hypervisor.devices.virtio.fs;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.QueueLayout;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Epoll;
import io.stockade.hypervisor.sys.EventFd;
import io.stockade.hypervisor.vhostuser.MemoryRegion;
import io.stockade.hypervisor.vhostuser.ProtocolFeatures;
import io.stockade.hypervisor.vhostuser.VhostUserException;
import io.stockade.hypervisor.vhostuser.VhostUserFrontend;
import io.stockade.hypervisor.vhostuser.VringAddresses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A virtio-fs device whose data path is a vhost-user backend (virtiofsd). The VMM keeps the configuration space and
 * the virtio lifecycle; on {@link #activate} it shares guest memory and hands every ring to the backend, then only
 * forwards notifications: a driver kick becomes a write to the backend's kick eventfd, and the backend's call eventfd
 * is relayed on the {@link EventLoop} to the transport's used-buffer interrupt (the transport must record the
 * interrupt reason, so the call cannot go straight to an irqfd).
 *
 * <p><b>Features.</b> Only {@code VIRTIO_F_VERSION_1} is offered: {@link VirtioDevice#activate} does not say which
 * optional features the driver accepted, and the backend must be told exactly that, so offering only the mandatory
 * bit keeps both sides in agreement.
 *
 * <p><b>A failing backend.</b> If the backend dies or misbehaves, the frontend is broken: activation then fails
 * (the transport reports DEVICE_NEEDS_RESET), kicks are dropped with one error logged, and the guest's requests
 * simply never complete. Nothing the guest or the backend does makes a method of this class throw, apart from
 * {@code activate} as its contract allows.
 */
public final class VirtioFs implements VirtioDevice, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VirtioFs.class);

    private final VirtioFsConfig config;
    private final VhostUserFrontend backend;
    private final EventLoop loop;
    private final boolean protocolFeatures;
    private final byte[] configSpace;
    private final Optional<Registration> hangupWatch;

    // Guarded by this.
    private final List<EventFd> kicks = new ArrayList<>();
    private final List<EventFd> calls = new ArrayList<>();
    private final List<Registration> relays = new ArrayList<>();
    private boolean active;
    private boolean kickFailureLogged;
    private boolean closed;

    private VirtioFs(VirtioFsConfig config, VhostUserFrontend backend, EventLoop loop, boolean protocolFeatures) {
        this.config = config;
        this.backend = backend;
        this.loop = loop;
        this.protocolFeatures = protocolFeatures;
        this.configSpace = config.configSpace();
        this.hangupWatch = backend.watchForHangup(loop, reason ->
                log.error("{}: {}; the guest's requests will not be answered", name(), reason));
    }

    /**
     * Connects to the backend at {@code socket} and negotiates what does not depend on the driver: ownership,
     * protocol features (MQ, REPLY_ACK) and the queue count.
     *
     * @param timeout bound on every exchange with the backend
     * @param loop relays the backend's used-buffer notifications
     * @throws VhostUserException if the backend cannot be reached, lacks VIRTIO_F_VERSION_1, supports too few queues,
     *         or answers out of protocol
     */
    public static VirtioFs connect(VirtioFsConfig config, Path socket, Duration timeout, EventLoop loop) {
        VhostUserFrontend backend = VhostUserFrontend.connect(socket, timeout);
        try {
            return new VirtioFs(config, backend, loop, negotiate(config, backend));
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** Returns whether protocol features are in use. */
    private static boolean negotiate(VirtioFsConfig config, VhostUserFrontend backend) {
        backend.setOwner();
        long features = backend.getFeatures();
        if ((features & VirtioFeatures.VERSION_1) == 0) {
            throw new VhostUserException(backend.describe() + " does not offer VIRTIO_F_VERSION_1 (features 0x"
                    + Long.toHexString(features) + ")");
        }
        boolean protocol = (features & ProtocolFeatures.VHOST_USER_F_PROTOCOL_FEATURES) != 0;
        if (!protocol) {
            return false;
        }
        long offered = backend.getProtocolFeatures();
        long acked = offered & (ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK);
        backend.setProtocolFeatures(acked);
        if ((acked & ProtocolFeatures.MQ) != 0) {
            int supported = backend.getQueueNum();
            if (supported < config.totalQueues()) {
                throw new VhostUserException(backend.describe() + " supports " + supported + " queues; virtio-fs '"
                        + config.tag() + "' needs " + config.totalQueues());
            }
        }
        return true;
    }

    public VirtioFsConfig config() {
        return config;
    }

    /** Whether the backend connection has failed; the device cannot be activated again. */
    public boolean isBroken() {
        return backend.isBroken();
    }

    @Override
    public DeviceType deviceType() {
        return DeviceType.FS;
    }

    @Override
    public String name() {
        return "virtio-fs " + config.tag();
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.VERSION_1;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return Collections.nCopies(config.totalQueues(), config.queueSize());
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            long at = offset + i;
            data[i] = at >= 0 && at < configSpace.length ? configSpace[(int) at] : 0;
        }
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        // Read-only configuration space (§5.11.4).
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (closed) {
            throw new IllegalStateException(name() + " is closed");
        }
        if (active) {
            throw new IllegalStateException(name() + " is already active");
        }
        if (queues.size() != config.totalQueues()) {
            throw new IllegalStateException(name() + " has " + config.totalQueues() + " queues, activated with "
                    + queues.size());
        }
        try {
            backend.setFeatures(VirtioFeatures.VERSION_1
                    | (protocolFeatures ? ProtocolFeatures.VHOST_USER_F_PROTOCOL_FEATURES : 0));
            backend.setMemTable(MemoryRegion.of(memory));
            for (Virtqueue queue : queues) {
                startRing(queue, usedBuffers);
            }
        } catch (RuntimeException e) {
            releaseRings();
            throw new IllegalStateException(name() + ": cannot hand the queues to " + backend.describe() + ": "
                    + e.getMessage(), e);
        }
        active = true;
        kickFailureLogged = false;
        log.debug("{}: {} queue(s) handed to {}", name(), queues.size(), backend.describe());
    }

    private void startRing(Virtqueue queue, Interrupt usedBuffers) {
        int index = queue.index();
        QueueLayout layout = queue.layout();
        EventFd kick = EventFd.create();
        kicks.add(kick);
        EventFd call = EventFd.create();
        calls.add(call);
        relays.add(loop.register(call.fd(), Epoll.EPOLLIN, events -> {
            if (call.read() != 0) {
                usedBuffers.trigger();
            }
        }));
        backend.setVringNum(index, layout.size());
        backend.setVringAddr(new VringAddresses(index, backend.userAddress(layout.descriptorTable()),
                backend.userAddress(layout.usedRing()), backend.userAddress(layout.availRing())));
        backend.setVringBase(index, 0);
        backend.setVringCall(index, call);
        backend.setVringKick(index, kick);
        if (protocolFeatures) {
            backend.setVringEnable(index, true);
        }
    }

    @Override
    public synchronized void queueNotify(int queueIndex) {
        if (!active || queueIndex < 0 || queueIndex >= kicks.size()) {
            return;
        }
        if (backend.isBroken()) {
            if (!kickFailureLogged) {
                kickFailureLogged = true;
                log.error("{}: dropping kicks, {} is broken: {}", name(), backend.describe(),
                        backend.brokenReason().orElse("?"));
            }
            return;
        }
        kicks.get(queueIndex).write(1);
    }

    /** Stops every ring in the backend (GET_VRING_BASE) and forgets the queues; the connection stays for reuse. */
    @Override
    public synchronized void reset() {
        if (!active) {
            return;
        }
        active = false;
        for (int i = 0; i < kicks.size() && !backend.isBroken(); i++) {
            try {
                backend.getVringBase(i);
            } catch (VhostUserException e) {
                log.warn("{}: could not stop vring {}: {}", name(), i, e.getMessage());
            }
        }
        releaseRings();
    }

    /** Resets the device and closes the backend connection (virtiofsd then exits). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        reset();
        closed = true;
        // The socket fd must not be watched once closed: its number may be reused.
        hangupWatch.ifPresent(watch -> loop.run(watch::cancel));
        backend.close();
    }

    private void releaseRings() {
        List<Registration> cancelled = List.copyOf(relays);
        // On the loop thread, so no relay handler is running or about to run on a call eventfd being closed.
        loop.run(() -> cancelled.forEach(Registration::cancel));
        relays.clear();
        kicks.forEach(EventFd::close);
        kicks.clear();
        calls.forEach(EventFd::close);
        calls.clear();
    }

    @Override
    public String toString() {
        return name() + " via " + backend.describe();
    }
}
