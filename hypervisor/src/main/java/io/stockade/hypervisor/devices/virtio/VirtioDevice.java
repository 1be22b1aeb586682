package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;

/**
 * The device half of a virtio device — what it offers and how it serves its queues — independent of the transport
 * (virtio-mmio today, PCI perhaps later) that exposes it to the guest. The transport owns the register protocol,
 * feature negotiation, queue setup and validation, interrupt status and the device lifecycle; it calls
 * {@link #activate} once the driver has set DRIVER_OK with valid queues, {@link #queueNotify} whenever the driver
 * kicks a queue, and {@link #reset} when the driver resets the device.
 *
 * <p><b>Threads.</b> Config accesses come from vCPU threads; {@link #queueNotify} comes from a vCPU thread or the
 * event loop and may run concurrently with {@link #reset} from another vCPU. After {@code reset} returns the device
 * must no longer use the queues or the interrupt it was activated with. Nothing the guest does may make these
 * methods throw.
 */
public interface VirtioDevice {

    DeviceType deviceType();

    /** Names the device in logs, e.g. {@code "virtio-blk rootfs"}. */
    String name();

    /** The feature bits the device offers, including {@link VirtioFeatures#VERSION_1}. */
    long deviceFeatures();

    /** The largest size the driver may give each queue; the list's size is the number of queues. */
    List<Integer> queueMaxSizes();

    /**
     * Fills {@code data} from the device-specific configuration space at {@code offset}; bytes past the end of the
     * space read as zero.
     */
    void readConfig(long offset, byte[] data);

    /** A driver write into the configuration space; devices without writable fields ignore it. */
    void writeConfig(long offset, byte[] data);

    /**
     * Starts serving the driver. {@code queues} holds one validated queue per entry of {@link #queueMaxSizes()};
     * {@code usedBuffers} raises a used-buffer notification (the transport records the interrupt reason).
     *
     * @throws IllegalStateException if the device cannot start (for example its backend failed); the transport then
     *         reports DEVICE_NEEDS_RESET to the driver
     */
    void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers);

    /** The driver made buffers available in queue {@code queueIndex}; only called while activated. */
    void queueNotify(int queueIndex);

    /** Returns to the initial, inactive state; in-flight requests are finished or abandoned first. */
    void reset();
}
