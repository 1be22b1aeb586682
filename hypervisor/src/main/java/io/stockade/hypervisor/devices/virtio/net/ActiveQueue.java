package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;

/**
 * One queue of an activated device with what serving it needs. A reset replaces it, so work that still holds the
 * old one can tell that it is stale.
 */
record ActiveQueue(GuestMemory memory, Virtqueue queue, Interrupt usedBuffers) {

    /** Raises the used-buffer interrupt unless the driver suppressed it. */
    void notifyDriver() {
        if (queue.needsNotification()) {
            usedBuffers.trigger();
        }
    }
}
