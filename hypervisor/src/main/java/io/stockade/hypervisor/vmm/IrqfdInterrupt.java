package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.sys.EventFd;
import io.stockade.hypervisor.sys.LinuxException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An interrupt delivered through an irqfd: writing the eventfd makes KVM pulse the guest's interrupt line
 * {@code gsi} in the in-kernel IOAPIC/PIC, without a VM exit.
 */
final class IrqfdInterrupt implements Interrupt {

    private static final Logger log = LoggerFactory.getLogger(IrqfdInterrupt.class);

    private final EventFd eventFd;
    private final int gsi;
    private final AtomicBoolean failureLogged = new AtomicBoolean();

    IrqfdInterrupt(EventFd eventFd, int gsi) {
        this.eventFd = eventFd;
        this.gsi = gsi;
    }

    @Override
    public void trigger() {
        try {
            eventFd.write(1);
        } catch (LinuxException e) {
            // Only while the VM is being torn down; a device must not fail because its IRQ is gone.
            if (failureLogged.compareAndSet(false, true)) {
                log.warn("raising IRQ {} through {} failed: {}", gsi, eventFd, e.getMessage());
            }
        }
    }
}
