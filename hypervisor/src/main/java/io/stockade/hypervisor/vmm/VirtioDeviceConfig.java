package io.stockade.hypervisor.vmm;

/**
 * One virtio device of a {@link VmConfig}; the VMM exposes each through its own virtio-mmio window and interrupt line,
 * in the order the config lists them. Each record validates itself on construction, naming the device and the
 * problem; what needs the host (files, sockets) is checked when the VM is built.
 */
public sealed interface VirtioDeviceConfig permits DiskConfig, RngConfig, NetConfig, VsockConfig, FsConfig {

    /** Names the device in logs and errors, e.g. {@code "disk rootfs (/var/lib/x.img)"}. */
    String describe();
}
