package io.stockade.hypervisor.devices.virtio;

/** The virtio device types Stockade implements or plans to, with their device ids (VIRTIO 1.2 §5). */
public enum DeviceType {
    NET(1),
    BLOCK(2),
    CONSOLE(3),
    ENTROPY(4),
    VSOCK(19),
    FS(26);

    private final int id;

    DeviceType(int id) {
        this.id = id;
    }

    /** The value the transport reports in its DeviceID register. */
    public int id() {
        return id;
    }
}
