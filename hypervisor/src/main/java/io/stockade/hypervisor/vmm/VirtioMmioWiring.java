package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Epoll;
import io.stockade.hypervisor.sys.EventFd;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Attaches one virtio device to the guest at a {@link VirtioSlot}: an irqfd on the slot's pin for its interrupt, a
 * {@link VirtioMmioTransport} on the MMIO bus, and per queue an ioeventfd on QueueNotify matching the queue's index,
 * whose wake-up runs {@link VirtioMmioTransport#queueNotify} on the event loop — a guest kick costs no exit to the
 * VMM's vCPU thread.
 *
 * <p>Everything is pushed on the {@link ResourceStack} so that releasing it in reverse is a safe teardown: first the
 * kicks stop (loop registration, ioeventfd, eventfd per queue), then the device is reset — which waits for its
 * in-flight I/O — and closed, and only then does its interrupt line go away.
 */
final class VirtioMmioWiring {

    /** virtio-mmio drivers write QueueNotify as one 32-bit register. */
    static final int QUEUE_NOTIFY_WIDTH = 4;

    private VirtioMmioWiring() {}

    /**
     * @param deviceFactory creates the device once its interrupt exists; what it returns is owned from then on
     * @return the transport, registered on {@code mmio} at {@code slot.base()}
     */
    static VirtioMmioTransport attach(Supplier<VirtioDevice> deviceFactory, VirtioSlot slot, GuestMemory memory,
                                      MmioBus mmio, GuestEventRouting kvm, EventLoop loop, ResourceStack resources) {
        EventFd irqFd = resources.push(slot + " irqfd", EventFd.create());
        kvm.registerIrqfd(irqFd, slot.irq());
        resources.push(slot + " irqfd routing", () -> kvm.unregisterIrqfd(irqFd, slot.irq()));

        VirtioDevice device = deviceFactory.get();
        resources.push(device.name(), () -> {
            device.reset();
            if (device instanceof AutoCloseable closeable) {
                closeable.close();
            }
        });
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, device,
                new IrqfdInterrupt(irqFd, slot.irq()));
        mmio.register(device.name(), slot.base(), VirtioMmioTransport.MMIO_SIZE, transport);

        for (int queue = 0; queue < device.queueMaxSizes().size(); queue++) {
            wireQueueNotify(device.name(), queue, slot.queueNotifyAddress(), transport::queueNotify, kvm, loop,
                    resources);
        }
        return transport;
    }

    /** An ioeventfd for guest writes of {@code queue} to {@code notifyAddress}, calling {@code notify} on the loop. */
    static void wireQueueNotify(String deviceName, int queue, long notifyAddress, IntConsumer notify,
                                GuestEventRouting kvm, EventLoop loop, ResourceStack resources) {
        String name = deviceName + " queue " + queue + " ioeventfd";
        EventFd kick = resources.push(name, EventFd.create());
        kvm.registerIoeventfd(kick, notifyAddress, QUEUE_NOTIFY_WIDTH, queue);
        resources.push(name + " routing", () -> kvm.unregisterIoeventfd(kick, notifyAddress, QUEUE_NOTIFY_WIDTH,
                queue));
        Registration registration = loop.register(kick.fd(), Epoll.EPOLLIN, events -> {
            if (kick.read() != 0) {
                notify.accept(queue);
            }
        });
        // On the loop thread, so the handler cannot run once more on an eventfd about to be closed.
        resources.push(name + " watch", () -> loop.run(registration::cancel));
    }
}
