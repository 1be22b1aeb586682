package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.arch.x86_64.acpi.VirtioMmioDevice;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;

/**
 * Where one virtio-mmio device sits: its register window and the I/O APIC pin its irqfd raises, and how the guest
 * learns about both — a {@code virtio_mmio.device=} command-line fragment (kernels with
 * {@code CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES}) and a DSDT entry (ACPI kernels, e.g. Debian's).
 */
record VirtioSlot(long base, int irq) {

    /** QueueNotify's offset in the virtio-mmio register block (VIRTIO 1.2 §4.2.2). */
    static final long QUEUE_NOTIFY_OFFSET = 0x050;

    /** The guest-physical address of the QueueNotify register, where the per-queue ioeventfds listen. */
    long queueNotifyAddress() {
        return base + QUEUE_NOTIFY_OFFSET;
    }

    String cmdlineFragment() {
        return VirtioMmioTransport.kernelCmdlineFragment(base, irq);
    }

    VirtioMmioDevice acpiDevice() {
        return new VirtioMmioDevice(base, VirtioMmioTransport.MMIO_SIZE, irq);
    }

    @Override
    public String toString() {
        return String.format("virtio-mmio 0x%x irq %d", base, irq);
    }
}
