package io.stockade.hypervisor.devices.virtio;

/**
 * Device-independent virtio feature bits (VIRTIO 1.2 §6) as 64-bit masks, so that a device's feature word can be
 * written as {@code VERSION_1 | RING_EVENT_IDX | ...}. Device-specific bits live with their device.
 */
public final class VirtioFeatures {
    /** Descriptors may point at a table of further descriptors (§2.7.5.3). */
    public static final long RING_INDIRECT_DESC = 1L << 28;
    /** used_event / avail_event replace the ring flags for notification suppression (§2.7.7, §2.7.10). */
    public static final long RING_EVENT_IDX = 1L << 29;
    /** The device speaks VIRTIO 1.x (little-endian, no legacy layout); mandatory for virtio-mmio version 2. */
    public static final long VERSION_1 = 1L << 32;

    private VirtioFeatures() {
    }
}
