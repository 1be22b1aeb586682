package io.stockade.hypervisor.devices.virtio;

/** Bits of the virtio device status field (VIRTIO 1.2 §2.1), the driver's side of the initialization handshake. */
public final class DeviceStatus {
    /** The guest noticed the device. */
    public static final int ACKNOWLEDGE = 1;
    /** The guest has a driver for it. */
    public static final int DRIVER = 2;
    /** The driver is set up; the device may start serving queues. */
    public static final int DRIVER_OK = 4;
    /** Feature negotiation is complete (the device clears it again if it rejects the driver's features). */
    public static final int FEATURES_OK = 8;
    /** Set by the device: it hit an error it cannot recover from without a reset. */
    public static final int DEVICE_NEEDS_RESET = 64;
    /** The driver gave up on the device. */
    public static final int FAILED = 128;

    private DeviceStatus() {
    }
}
