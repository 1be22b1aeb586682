package io.stockade.hypervisor.devices.virtio.mmio;

import static io.stockade.hypervisor.devices.virtio.DeviceStatus.ACKNOWLEDGE;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DEVICE_NEEDS_RESET;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DRIVER;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DRIVER_OK;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.FAILED;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.FEATURES_OK;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.bus.BusDevice;
import io.stockade.hypervisor.devices.virtio.QueueLayout;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtio-mmio version 2 transport (VIRTIO 1.2 §4.2): a 4 KiB register block that exposes one
 * {@link VirtioDevice} to the guest, which finds it through {@link #kernelCmdlineFragment}.
 *
 * <p>The transport runs the initialization handshake and enforces it: status bits are only ever added in order
 * (ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK); FEATURES_OK is refused (it does not read back) unless the driver
 * accepted only offered features and {@code VIRTIO_F_VERSION_1}; DRIVER_OK activates the device only if every queue is
 * ready with a valid layout ({@link QueueLayout#problem}) — otherwise the device stays inactive and reports
 * DEVICE_NEEDS_RESET. Writing 0 to Status resets everything. Queue notifications before activation are ignored.
 * A queue that the driver corrupts later also sets DEVICE_NEEDS_RESET, with a configuration-change interrupt.
 *
 * <p>Registers other than the configuration space accept only aligned 32-bit accesses; other accesses read as zero
 * and are dropped. Every problem is logged naming the device; a given kind of guest mistake is logged at WARN the
 * first time and at DEBUG afterwards, so a misbehaving guest cannot flood the host log.
 *
 * <p>Thread-safe: vCPU threads access registers concurrently, and {@link #queueNotify} may come from the event loop
 * (an ioeventfd on QueueNotify). The transport's lock is never held while a device serves a queue.
 */
public final class VirtioMmioTransport implements BusDevice {

    private static final Logger log = LoggerFactory.getLogger(VirtioMmioTransport.class);

    /** The size of the register block, as declared on the kernel command line. */
    public static final long MMIO_SIZE = 0x1000;
    static final int MAGIC = 0x7472_6976; // "virt"
    static final int VERSION = 2;
    /** "STKD", read little-endian; Linux does not interpret the vendor id. */
    static final int VENDOR_ID = 0x444b_5453;
    static final int INTERRUPT_USED_BUFFER = 1;
    static final int INTERRUPT_CONFIG_CHANGE = 2;

    private final GuestMemory memory;
    private final VirtioDevice device;
    private final Interrupt irq;
    private final long offeredFeatures;
    private final List<Integer> maxSizes;

    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();
    private final AtomicBoolean needsReset = new AtomicBoolean();
    private final Set<String> complainedAbout = ConcurrentHashMap.newKeySet();
    private volatile int status;
    private volatile boolean active;

    // Guarded by this.
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private boolean acceptedFeaturesBeyond64;
    private int queueSel;
    private final QueueRegisters[] queues;
    private List<Virtqueue> liveQueues = List.of();

    /**
     * @param memory the guest RAM that queue addresses must point into
     * @param irq the interrupt line the guest was told about on the command line
     */
    public VirtioMmioTransport(GuestMemory memory, VirtioDevice device, Interrupt irq) {
        this.memory = memory;
        this.device = device;
        this.irq = irq;
        this.offeredFeatures = device.deviceFeatures();
        this.maxSizes = List.copyOf(device.queueMaxSizes());
        if ((offeredFeatures & VirtioFeatures.VERSION_1) == 0) {
            throw new IllegalArgumentException(device.name() + " does not offer VIRTIO_F_VERSION_1, which virtio-mmio"
                    + " version 2 requires");
        }
        for (int max : maxSizes) {
            if (max <= 0 || max > QueueLayout.MAX_SIZE || Integer.bitCount(max) != 1) {
                throw new IllegalArgumentException(device.name() + " declares queue max size " + max
                        + "; it must be a power of two up to " + QueueLayout.MAX_SIZE);
            }
        }
        this.queues = maxSizes.stream().map(QueueRegisters::new).toArray(QueueRegisters[]::new);
    }

    /**
     * The kernel command-line parameter that makes Linux probe a virtio-mmio device at {@code base} on {@code irq}
     * (needs {@code CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES}).
     */
    public static String kernelCmdlineFragment(long base, int irq) {
        if (base < 0 || base % MMIO_SIZE != 0 || irq < 0) {
            throw new IllegalArgumentException(String.format("virtio-mmio base 0x%x must be 4 KiB aligned and irq %d"
                    + " non-negative", base, irq));
        }
        return String.format("virtio_mmio.device=4K@0x%x:%d", base, irq);
    }

    public VirtioDevice device() {
        return device;
    }

    /** Whether the driver completed the handshake and the device is serving its queues. */
    public boolean isActive() {
        return active;
    }

    @Override
    public void read(long offset, byte[] data) {
        if (offset >= MmioRegister.CONFIG) {
            device.readConfig(offset - MmioRegister.CONFIG, data);
            return;
        }
        Arrays.fill(data, (byte) 0);
        if (data.length != 4 || offset % 4 != 0) {
            complain("bad-width-read", String.format("%d-byte read at register offset 0x%x ignored (registers are"
                    + " 32-bit)", data.length, offset));
            return;
        }
        int value = readRegister((int) offset);
        for (int i = 0; i < 4; i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset >= MmioRegister.CONFIG) {
            device.writeConfig(offset - MmioRegister.CONFIG, data);
            return;
        }
        if (data.length != 4 || offset % 4 != 0) {
            complain("bad-width-write", String.format("%d-byte write at register offset 0x%x ignored (registers are"
                    + " 32-bit)", data.length, offset));
            return;
        }
        int value = (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
        if (offset == MmioRegister.QUEUE_NOTIFY) {
            queueNotify(value); // outside the lock: the device serves the queue now
            return;
        }
        writeRegister((int) offset, value);
    }

    /**
     * The driver kicked queue {@code index}; the VMM wires an ioeventfd on QueueNotify here, and a plain MMIO write
     * to QueueNotify ends up here too. Ignored (and logged) unless the device is active.
     */
    public void queueNotify(int index) {
        if (!active) {
            complain("notify-inactive", "notification for queue " + index + " before DRIVER_OK ignored");
            return;
        }
        if (index < 0 || index >= maxSizes.size()) {
            complain("notify-bad-queue", "notification for nonexistent queue " + index + " ignored");
            return;
        }
        device.queueNotify(index);
    }

    /**
     * The device's configuration changed (for example a disk was resized): bumps ConfigGeneration and, once the
     * driver is running, sends a configuration-change interrupt.
     */
    public void configChanged() {
        configGeneration.incrementAndGet();
        if ((status & DRIVER_OK) != 0) {
            raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    private int readRegister(int offset) {
        return switch (offset) {
            case MmioRegister.MAGIC_VALUE -> MAGIC;
            case MmioRegister.VERSION -> VERSION;
            case MmioRegister.DEVICE_ID -> device.deviceType().id();
            case MmioRegister.VENDOR_ID -> VENDOR_ID;
            case MmioRegister.DEVICE_FEATURES -> deviceFeaturesWord();
            case MmioRegister.QUEUE_NUM_MAX -> selectedQueue().map(q -> q.maxSize).orElse(0);
            case MmioRegister.QUEUE_READY -> selectedQueue().map(q -> q.ready ? 1 : 0).orElse(0);
            case MmioRegister.INTERRUPT_STATUS -> interruptStatus.get();
            case MmioRegister.STATUS -> status | (needsReset.get() ? DEVICE_NEEDS_RESET : 0);
            // No shared memory regions: a length of -1 tells the driver the selected region does not exist.
            case MmioRegister.SHM_LEN_LOW, MmioRegister.SHM_LEN_HIGH,
                 MmioRegister.SHM_BASE_LOW, MmioRegister.SHM_BASE_HIGH -> -1;
            case MmioRegister.CONFIG_GENERATION -> configGeneration.get();
            default -> {
                complain("read-unknown", String.format("read of write-only or unknown register 0x%x", offset));
                yield 0;
            }
        };
    }

    private synchronized int deviceFeaturesWord() {
        return switch (deviceFeaturesSel) {
            case 0 -> (int) offeredFeatures;
            case 1 -> (int) (offeredFeatures >>> 32);
            default -> 0;
        };
    }

    private synchronized Optional<QueueRegisters> selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? Optional.of(queues[queueSel]) : Optional.empty();
    }

    private synchronized void writeRegister(int offset, int value) {
        switch (offset) {
            case MmioRegister.DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case MmioRegister.DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case MmioRegister.DRIVER_FEATURES -> writeDriverFeatures(value);
            case MmioRegister.QUEUE_SEL -> queueSel = value;
            case MmioRegister.QUEUE_NUM, MmioRegister.QUEUE_READY,
                 MmioRegister.QUEUE_DESC_LOW, MmioRegister.QUEUE_DESC_HIGH,
                 MmioRegister.QUEUE_DRIVER_LOW, MmioRegister.QUEUE_DRIVER_HIGH,
                 MmioRegister.QUEUE_DEVICE_LOW, MmioRegister.QUEUE_DEVICE_HIGH -> writeQueueRegister(offset, value);
            case MmioRegister.INTERRUPT_ACK -> interruptStatus.getAndUpdate(s -> s & ~value);
            case MmioRegister.STATUS -> writeStatus(value);
            case MmioRegister.SHM_SEL -> { } // no regions: every selection reads back as absent
            default -> complain("write-unknown", String.format("write of 0x%x to read-only or unknown register 0x%x",
                    value, offset));
        }
    }

    private void writeDriverFeatures(int value) {
        if ((status & FEATURES_OK) != 0) {
            complain("features-late", "driver features written after FEATURES_OK ignored");
            return;
        }
        switch (driverFeaturesSel) {
            case 0 -> driverFeatures = withLow(driverFeatures, value);
            case 1 -> driverFeatures = withHigh(driverFeatures, value);
            default -> {
                if (value != 0) {
                    complain("features-unknown-word", String.format("driver accepted features 0x%x in word %d,"
                            + " which the device never offered", value, driverFeaturesSel));
                    acceptedFeaturesBeyond64 = true;
                }
            }
        }
    }

    private void writeQueueRegister(int offset, int value) {
        if (queueSel < 0 || queueSel >= queues.length) {
            complain("queue-sel", String.format("write to register 0x%x of nonexistent queue %d ignored", offset,
                    queueSel));
            return;
        }
        if (active) {
            complain("queue-live", String.format("write to register 0x%x of queue %d after DRIVER_OK ignored", offset,
                    queueSel));
            return;
        }
        QueueRegisters q = queues[queueSel];
        if (offset == MmioRegister.QUEUE_READY) {
            q.ready = value == 1;
            return;
        }
        if (q.ready) {
            complain("queue-ready", String.format("write to register 0x%x of queue %d while it is ready ignored",
                    offset, queueSel));
            return;
        }
        switch (offset) {
            case MmioRegister.QUEUE_NUM -> q.size = value;
            case MmioRegister.QUEUE_DESC_LOW -> q.descriptorTable = withLow(q.descriptorTable, value);
            case MmioRegister.QUEUE_DESC_HIGH -> q.descriptorTable = withHigh(q.descriptorTable, value);
            case MmioRegister.QUEUE_DRIVER_LOW -> q.availRing = withLow(q.availRing, value);
            case MmioRegister.QUEUE_DRIVER_HIGH -> q.availRing = withHigh(q.availRing, value);
            case MmioRegister.QUEUE_DEVICE_LOW -> q.usedRing = withLow(q.usedRing, value);
            case MmioRegister.QUEUE_DEVICE_HIGH -> q.usedRing = withHigh(q.usedRing, value);
            default -> throw new AssertionError("not a queue register: " + offset);
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int old = status;
        int requested = value & ~DEVICE_NEEDS_RESET; // a device-owned bit: the driver cannot set or clear it
        if ((requested & old) != old) {
            complain("status-cleared", String.format("status write 0x%x would clear bits of 0x%x; only writing 0"
                    + " (reset) may do that; ignored", value, old));
            return;
        }
        int added = requested & ~old;
        int accepted = old | (added & (ACKNOWLEDGE | FAILED));
        if ((added & DRIVER) != 0) {
            accepted |= requireBefore(DRIVER, ACKNOWLEDGE, accepted);
        }
        if ((added & FEATURES_OK) != 0 && requireBefore(FEATURES_OK, DRIVER, accepted) != 0) {
            accepted |= negotiate();
        }
        if ((added & DRIVER_OK) != 0) {
            if (requireBefore(DRIVER_OK, FEATURES_OK, accepted) == 0) {
                needsReset.set(true);
            } else {
                accepted |= DRIVER_OK;
                status = accepted;
                activate();
                return;
            }
        }
        if ((added & FAILED) != 0) {
            log.info("{}: the driver marked the device FAILED (status 0x{})", device.name(),
                    Integer.toHexString(accepted));
        }
        status = accepted;
    }

    /** {@code bit} if {@code prerequisite} is already accepted, otherwise 0 after a complaint. */
    private int requireBefore(int bit, int prerequisite, int accepted) {
        if ((accepted & prerequisite) != 0) {
            return bit;
        }
        complain("status-order", String.format("status bit 0x%x set before 0x%x; ignored", bit, prerequisite));
        return 0;
    }

    private int negotiate() {
        long unknown = driverFeatures & ~offeredFeatures;
        if (unknown != 0 || acceptedFeaturesBeyond64) {
            complain("features-unoffered", String.format("driver accepted features that were not offered (0x%x of"
                    + " the first 64 bits%s; offered 0x%x); FEATURES_OK refused", unknown,
                    acceptedFeaturesBeyond64 ? ", and bits beyond 64" : "", offeredFeatures));
            return 0;
        }
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            complain("features-legacy", "driver did not accept VIRTIO_F_VERSION_1 (a legacy driver);"
                    + " FEATURES_OK refused");
            return 0;
        }
        return FEATURES_OK;
    }

    private void activate() {
        List<Virtqueue> built = new ArrayList<>();
        for (int i = 0; i < queues.length; i++) {
            QueueRegisters q = queues[i];
            Optional<String> problem = q.ready ? q.layout().problem(memory, q.maxSize) : Optional.of("not ready");
            if (problem.isPresent()) {
                failActivation("queue " + i + ": " + problem.get());
                return;
            }
            built.add(Virtqueue.create(device.name(), i, memory, q.layout(), driverFeatures, this::queueBroken));
        }
        try {
            device.activate(memory, List.copyOf(built), () -> raise(INTERRUPT_USED_BUFFER));
        } catch (RuntimeException e) {
            built.forEach(Virtqueue::stop);
            device.reset();
            failActivation("the device failed to start: " + e.getMessage());
            return;
        }
        liveQueues = List.copyOf(built);
        active = true;
        log.debug("{}: activated with features 0x{} and {} queue(s)", device.name(), Long.toHexString(driverFeatures),
                built.size());
    }

    private void failActivation(String reason) {
        log.warn("{}: DRIVER_OK rejected, device needs reset: {}", device.name(), reason);
        needsReset.set(true);
        raise(INTERRUPT_CONFIG_CHANGE);
    }

    private void queueBroken(String reason) {
        // Called from the thread serving the queue: touch only atomics, never the transport's lock.
        needsReset.set(true);
        if ((status & DRIVER_OK) != 0) {
            raise(INTERRUPT_CONFIG_CHANGE);
        }
    }

    private void reset() {
        liveQueues.forEach(Virtqueue::stop);
        liveQueues = List.of();
        if (active) {
            active = false;
            device.reset();
        }
        status = 0;
        needsReset.set(false);
        interruptStatus.set(0);
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        acceptedFeaturesBeyond64 = false;
        queueSel = 0;
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueRegisters(maxSizes.get(i));
        }
    }

    private static long withLow(long value, int low) {
        return (value & 0xffff_ffff_0000_0000L) | (low & 0xffff_ffffL);
    }

    private static long withHigh(long value, int high) {
        return (value & 0xffff_ffffL) | ((long) high << 32);
    }

    private void raise(int reason) {
        interruptStatus.getAndUpdate(s -> s | reason);
        irq.trigger();
    }

    private void complain(String kind, String problem) {
        if (complainedAbout.add(kind)) {
            log.warn("{}: {} (further occurrences are logged at debug level)", device.name(), problem);
        } else {
            log.debug("{}: {}", device.name(), problem);
        }
    }

    @Override
    public String toString() {
        return "virtio-mmio " + device.name();
    }
}
