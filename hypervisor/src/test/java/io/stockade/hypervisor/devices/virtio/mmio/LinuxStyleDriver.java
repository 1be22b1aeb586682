package io.stockade.hypervisor.devices.virtio.mmio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.devices.virtio.DeviceStatus;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * Drives a {@link VirtioMmioTransport} the way Linux's virtio_mmio.c and virtio.c do: probe, reset, ACKNOWLEDGE,
 * DRIVER, feature negotiation with read-back of FEATURES_OK, per-queue setup (select, check not ready, read
 * num_max, write num and the three addresses, ready), DRIVER_OK. Only 32-bit register accesses are used.
 */
public final class LinuxStyleDriver {

    private final VirtioMmioTransport transport;
    private final GuestMemory memory;
    private int status;

    public LinuxStyleDriver(VirtioMmioTransport transport, GuestMemory memory) {
        this.transport = transport;
        this.memory = memory;
    }

    public int read(int offset) {
        byte[] data = new byte[4];
        transport.read(offset, data);
        return (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
    }

    public void write(int offset, int value) {
        transport.write(offset, new byte[] {(byte) value, (byte) (value >> 8), (byte) (value >> 16),
                (byte) (value >> 24)});
    }

    public long deviceFeatures() {
        write(MmioRegister.DEVICE_FEATURES_SEL, 1);
        long high = read(MmioRegister.DEVICE_FEATURES) & 0xffff_ffffL;
        write(MmioRegister.DEVICE_FEATURES_SEL, 0);
        long low = read(MmioRegister.DEVICE_FEATURES) & 0xffff_ffffL;
        return high << 32 | low;
    }

    /** Probe through FEATURES_OK; returns whether the device accepted the features (FEATURES_OK reads back). */
    public boolean negotiate(long wanted) {
        assertEquals(VirtioMmioTransport.MAGIC, read(MmioRegister.MAGIC_VALUE));
        assertEquals(2, read(MmioRegister.VERSION));
        write(MmioRegister.STATUS, 0);
        status = 0;
        setStatus(DeviceStatus.ACKNOWLEDGE);
        setStatus(DeviceStatus.DRIVER);
        long features = deviceFeatures() & wanted;
        write(MmioRegister.DRIVER_FEATURES_SEL, 1);
        write(MmioRegister.DRIVER_FEATURES, (int) (features >>> 32));
        write(MmioRegister.DRIVER_FEATURES_SEL, 0);
        write(MmioRegister.DRIVER_FEATURES, (int) features);
        setStatus(DeviceStatus.FEATURES_OK);
        return (read(MmioRegister.STATUS) & DeviceStatus.FEATURES_OK) != 0;
    }

    /** Sets up {@code count} queues of at most {@code size} entries, the rings of queue i at {@code base + i * 0x1000}. */
    public List<MockDriverQueue> setUpQueues(int count, int size, long base) {
        List<MockDriverQueue> queues = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            write(MmioRegister.QUEUE_SEL, i);
            assertEquals(0, read(MmioRegister.QUEUE_READY), "queue " + i + " already set up");
            int max = read(MmioRegister.QUEUE_NUM_MAX);
            MockDriverQueue q = new MockDriverQueue(memory, base + 0x1000L * i, Math.min(max, size));
            programQueue(i, q.layout().size(), q.layout().descriptorTable(), q.layout().availRing(),
                    q.layout().usedRing());
            queues.add(q);
        }
        return queues;
    }

    /** Writes the registers of queue {@code index} with arbitrary (possibly bad) values and marks it ready. */
    public void programQueue(int index, int size, long desc, long avail, long used) {
        write(MmioRegister.QUEUE_SEL, index);
        write(MmioRegister.QUEUE_READY, 0);
        write(MmioRegister.QUEUE_NUM, size);
        write(MmioRegister.QUEUE_DESC_LOW, (int) desc);
        write(MmioRegister.QUEUE_DESC_HIGH, (int) (desc >>> 32));
        write(MmioRegister.QUEUE_DRIVER_LOW, (int) avail);
        write(MmioRegister.QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        write(MmioRegister.QUEUE_DEVICE_LOW, (int) used);
        write(MmioRegister.QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        write(MmioRegister.QUEUE_READY, 1);
    }

    public void driverOk() {
        setStatus(DeviceStatus.DRIVER_OK);
    }

    /** The whole handshake; returns the driver's view of each queue. */
    public List<MockDriverQueue> initialize(long wanted, int queueCount, long ringBase) {
        if (!negotiate(wanted)) {
            throw new AssertionError("device refused features 0x" + Long.toHexString(wanted));
        }
        List<MockDriverQueue> queues = setUpQueues(queueCount, 256, ringBase);
        driverOk();
        return queues;
    }

    public void notify(int queue) {
        write(MmioRegister.QUEUE_NOTIFY, queue);
    }

    /** What Linux's interrupt handler does: read InterruptStatus and acknowledge it. */
    public int acknowledgeInterrupt() {
        int pending = read(MmioRegister.INTERRUPT_STATUS);
        write(MmioRegister.INTERRUPT_ACK, pending);
        return pending;
    }

    public int status() {
        return read(MmioRegister.STATUS);
    }

    private void setStatus(int bit) {
        status |= bit;
        write(MmioRegister.STATUS, status);
    }
}
