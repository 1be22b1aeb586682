package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.arch.x86_64.acpi.VirtioMmioDevice;
import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.block.DiskImage;
import io.stockade.hypervisor.devices.virtio.block.VirtioBlock;
import io.stockade.hypervisor.devices.virtio.fs.VirtioFs;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.devices.virtio.net.MacAddress;
import io.stockade.hypervisor.devices.virtio.net.TapBackend;
import io.stockade.hypervisor.devices.virtio.net.VirtioNet;
import io.stockade.hypervisor.devices.virtio.rng.VirtioRng;
import io.stockade.hypervisor.devices.virtio.vsock.VirtioVsock;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VM's virtio devices, built from their {@link VirtioDeviceConfig}s and attached in config order, each at the
 * next {@link VirtioSlot}; plus what they share — the event loop that serves queue kicks and device backends, and
 * the thread pool that runs disk I/O off the vCPU and loop threads. Everything is owned by the VM's
 * {@link ResourceStack}: the devices are released before the pool and the loop they use.
 */
final class VirtioDevices {

    private static final Logger log = LoggerFactory.getLogger(VirtioDevices.class);

    /** Threads doing disk I/O for all disks of the VM; requests beyond this queue up. */
    static final int DISK_IO_THREADS = 2;
    private static final long DISK_IO_DRAIN_SECONDS = 10;
    /** Bound on each vhost-user exchange with a virtio-fs backend (connect, negotiation, activation). */
    static final Duration FS_BACKEND_TIMEOUT = Duration.ofSeconds(10);

    /** One attached device. */
    record Attached(VirtioDeviceConfig config, VirtioSlot slot, VirtioMmioTransport transport) {}

    private final List<Attached> attached;

    private VirtioDevices(List<Attached> attached) {
        this.attached = List.copyOf(attached);
    }

    /** No virtio devices. */
    static VirtioDevices none() {
        return new VirtioDevices(List.of());
    }

    /**
     * Builds and attaches the devices of {@code configs}.
     *
     * @throws InvalidVmConfigException if a backend named in a config cannot be opened (a disk image, TAP or
     *     socket), naming the device
     */
    static VirtioDevices attach(List<VirtioDeviceConfig> configs, GuestMemory memory, MmioBus mmio,
                                GuestEventRouting kvm, ResourceStack resources) {
        if (configs.isEmpty()) {
            return none();
        }
        EventLoop loop = resources.push("virtio event loop", EventLoop.start("virtio-events"));
        // Pushed before any device, so released after all of them were reset.
        Optional<ExecutorService> diskIo = configs.stream().anyMatch(DiskConfig.class::isInstance)
                ? Optional.of(resources.push("disk I/O threads", new DiskIoPool())).map(DiskIoPool::executor)
                : Optional.empty();
        VirtioSlots slots = new VirtioSlots();
        List<Attached> attached = new ArrayList<>();
        for (int i = 0; i < configs.size(); i++) {
            VirtioDeviceConfig config = configs.get(i);
            int index = i;
            VirtioSlot slot = slots.allocate();
            VirtioMmioTransport transport = VirtioMmioWiring.attach(() -> create(config, index, loop, diskIo),
                    slot, memory, mmio, kvm, loop, resources);
            attached.add(new Attached(config, slot, transport));
            log.info("{} at {}", transport.device().name(), slot);
        }
        return new VirtioDevices(attached);
    }

    List<Attached> attached() {
        return attached;
    }

    /** The {@code virtio_mmio.device=} parameters for all devices, space-separated (empty without devices). */
    String cmdlineFragments() {
        return String.join(" ", attached.stream().map(a -> a.slot().cmdlineFragment()).toList());
    }

    /** The devices as the DSDT describes them. */
    List<VirtioMmioDevice> acpiDevices() {
        return attached.stream().map(a -> a.slot().acpiDevice()).toList();
    }

    private static VirtioDevice create(VirtioDeviceConfig config, int index, EventLoop loop,
                                       Optional<ExecutorService> diskIo) {
        try {
            return switch (config) {
                case DiskConfig disk -> createDisk(disk, index, diskIo.orElseThrow());
                case RngConfig rng -> new VirtioRng("virtio-rng");
                case NetConfig net -> createNet(net, loop);
                case VsockConfig vsock -> VirtioVsock.create("virtio-vsock cid " + vsock.guestCid(),
                        vsock.guestCid(), vsock.udsPath(), loop);
                case FsConfig fs -> VirtioFs.connect(fs.deviceConfig(), fs.socket(), FS_BACKEND_TIMEOUT, loop);
            };
        } catch (InvalidVmConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new InvalidVmConfigException(config.describe() + ": " + e.getMessage(), e);
        }
    }

    private static VirtioBlock createDisk(DiskConfig config, int index, ExecutorService io) {
        DiskImage image;
        try {
            image = DiskImage.open(config.path(), config.readOnly());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the image: " + e.getMessage(), e);
        }
        String id = config.idOrDefault(index);
        try {
            return new VirtioBlock("virtio-blk " + id, image, id, io);
        } catch (RuntimeException e) {
            try {
                image.close();
            } catch (IOException closeFailure) {
                e.addSuppressed(closeFailure);
            }
            throw e;
        }
    }

    private static VirtioNet createNet(NetConfig config, EventLoop loop) {
        TapBackend tap = config.netns().map(ns -> TapBackend.openInNamespace(ns, config.tap()))
                .orElseGet(() -> TapBackend.open(config.tap()));
        try {
            MacAddress mac = config.mac().orElseGet(VirtioDevices::randomLocalMac);
            return new VirtioNet("virtio-net " + config.tap(), mac, tap, loop);
        } catch (RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    /** A random unicast address with the locally-administered bit set, as QEMU and Firecracker users pick. */
    static MacAddress randomLocalMac() {
        byte[] bytes = new byte[MacAddress.LENGTH];
        new SecureRandom().nextBytes(bytes);
        bytes[0] = (byte) ((bytes[0] & 0xfe) | 0x02);
        return new MacAddress(bytes);
    }

    /** The threads that run disk I/O for all disks of the VM; closing waits (bounded) for running requests. */
    private record DiskIoPool(ExecutorService executor) implements AutoCloseable {

        DiskIoPool() {
            this(Executors.newFixedThreadPool(DISK_IO_THREADS,
                    Thread.ofPlatform().name("virtio-blk-io-", 0).daemon().factory()));
        }

        @Override
        public void close() throws InterruptedException {
            executor.shutdown();
            if (!executor.awaitTermination(DISK_IO_DRAIN_SECONDS, TimeUnit.SECONDS)) {
                log.warn("disk I/O still running after {} s; interrupting it", DISK_IO_DRAIN_SECONDS);
                executor.shutdownNow();
            }
        }
    }

    @Override
    public String toString() {
        return attached.stream().map(a -> a.transport().device().name() + " at " + a.slot()).toList().toString();
    }
}
