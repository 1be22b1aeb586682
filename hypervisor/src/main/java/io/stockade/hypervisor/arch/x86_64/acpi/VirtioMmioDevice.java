package io.stockade.hypervisor.arch.x86_64.acpi;

/**
 * A virtio-mmio device as the DSDT describes it to an ACPI guest ({@code LNRO0005}): its register window and its
 * interrupt. An ACPI kernel only routes an I/O APIC pin to an IRQ when a device claims it, so devices announced on
 * the command line alone ({@code virtio_mmio.device=}) get no working interrupt under hardware-reduced ACPI, and
 * kernels built without {@code CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES} (Debian's) find them only here.
 *
 * @param address guest-physical base of the register window
 * @param size size of the window
 * @param gsi the I/O APIC input the device's irqfd raises
 */
public record VirtioMmioDevice(long address, long size, int gsi) {
    public VirtioMmioDevice {
        if (address < 0 || size <= 0 || address + size > 0x1_0000_0000L) {
            throw new IllegalArgumentException(String.format(
                    "virtio-mmio window 0x%x+0x%x must lie below 4 GiB", address, size));
        }
        if (gsi < 0) {
            throw new IllegalArgumentException("virtio-mmio device at 0x" + Long.toHexString(address)
                    + ": GSI " + gsi + " is negative");
        }
    }
}
