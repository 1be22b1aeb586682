package io.stockade.hypervisor.devices;

/**
 * An interrupt line a device can raise towards the guest.
 *
 * <p>Implementations are edge-like: each {@link #trigger()} delivers one interrupt (in the VMM an irqfd
 * write that pulses an IOAPIC pin). Devices call it when their interrupt output rises, so the guest's
 * handler sees one interrupt per new condition. It must be callable from any vCPU or device thread.
 */
@FunctionalInterface
public interface Interrupt {

    /** Signals the interrupt to the guest. Never blocks for long and never throws for a live VM. */
    void trigger();

    /** An interrupt that goes nowhere, for devices whose interrupt is not wired. */
    static Interrupt none() {
        return () -> { };
    }
}
