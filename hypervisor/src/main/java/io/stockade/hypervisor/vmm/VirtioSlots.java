package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.arch.x86_64.MemoryLayout;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.memory.AddressAllocator;
import io.stockade.hypervisor.memory.AddressRange;
import io.stockade.hypervisor.memory.IrqAllocator;
import java.util.List;

/**
 * Hands out virtio-mmio slots: a 4 KiB window in the virtio-mmio area of the MMIO hole and an I/O APIC pin.
 *
 * <p>Pins {@value #FIRST_IRQ}..{@value #LAST_IRQ} are used, except {@link #RESERVED_IRQS}: 0–4 belong to the PIT,
 * keyboard, cascade and COM1/COM2, 8 to the RTC and 12 to the PS/2 mouse, which a guest may probe for even though
 * this machine has neither. The MP table and the MADT route every pin identity-mapped; irqfd pulses the pin, so the
 * DSDT declares these interrupts edge-triggered, active-high (as Firecracker does).
 */
final class VirtioSlots {

    static final int FIRST_IRQ = 5;
    static final int LAST_IRQ = MemoryLayout.IOAPIC_PINS - 1;
    static final List<Integer> RESERVED_IRQS = List.of(8, 12);
    /** How many virtio devices one VM can have: one per free pin. */
    static final int MAX_DEVICES = LAST_IRQ - FIRST_IRQ + 1 - RESERVED_IRQS.size();

    private final AddressAllocator windows = new AddressAllocator("virtio-mmio", new AddressRange(
            MemoryLayout.VIRTIO_MMIO_BASE, MemoryLayout.VIRTIO_MMIO_MAX_DEVICES * MemoryLayout.VIRTIO_MMIO_DEVICE_SIZE));
    private final IrqAllocator irqs = new IrqAllocator(FIRST_IRQ, LAST_IRQ);

    VirtioSlots() {
        RESERVED_IRQS.forEach(irqs::reserve);
    }

    /**
     * The lowest free window and pin.
     *
     * @throws io.stockade.hypervisor.memory.AllocationException if either has run out
     */
    VirtioSlot allocate() {
        int irq = irqs.allocate();
        try {
            AddressRange window = windows.allocate(VirtioMmioTransport.MMIO_SIZE, VirtioMmioTransport.MMIO_SIZE);
            return new VirtioSlot(window.base(), irq);
        } catch (RuntimeException e) {
            irqs.free(irq);
            throw e;
        }
    }

    /** Returns a slot for reuse (a device was removed). */
    void free(VirtioSlot slot) {
        windows.free(new AddressRange(slot.base(), VirtioMmioTransport.MMIO_SIZE));
        irqs.free(slot.irq());
    }
}
