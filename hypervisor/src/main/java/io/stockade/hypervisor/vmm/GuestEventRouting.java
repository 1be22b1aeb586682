package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.kvm.Vm;
import io.stockade.hypervisor.sys.EventFd;
import java.util.OptionalLong;

/**
 * The KVM calls that connect eventfds to the guest without VM exits: irqfd (a write raises an interrupt line) and
 * MMIO ioeventfd (a guest write signals the eventfd). A {@link Vm} in the VMM; a recorder in tests.
 */
interface GuestEventRouting {

    void registerIrqfd(EventFd eventFd, int gsi);

    void unregisterIrqfd(EventFd eventFd, int gsi);

    /** Guest writes of {@code length} bytes equal to {@code datamatch} at MMIO {@code address} signal the eventfd. */
    void registerIoeventfd(EventFd eventFd, long address, int length, long datamatch);

    void unregisterIoeventfd(EventFd eventFd, long address, int length, long datamatch);

    static GuestEventRouting of(Vm vm) {
        return new GuestEventRouting() {
            @Override
            public void registerIrqfd(EventFd eventFd, int gsi) {
                vm.registerIrqfd(eventFd, gsi);
            }

            @Override
            public void unregisterIrqfd(EventFd eventFd, int gsi) {
                vm.unregisterIrqfd(eventFd, gsi);
            }

            @Override
            public void registerIoeventfd(EventFd eventFd, long address, int length, long datamatch) {
                vm.registerIoeventfd(eventFd, address, length, false, OptionalLong.of(datamatch));
            }

            @Override
            public void unregisterIoeventfd(EventFd eventFd, long address, int length, long datamatch) {
                vm.unregisterIoeventfd(eventFd, address, length, false, OptionalLong.of(datamatch));
            }
        };
    }
}
