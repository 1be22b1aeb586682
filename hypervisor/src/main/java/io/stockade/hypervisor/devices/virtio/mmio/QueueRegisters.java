package io.stockade.hypervisor.devices.virtio.mmio;

import io.stockade.hypervisor.devices.virtio.QueueLayout;

/**
 * What the driver has written into the per-queue registers of one queue, before any of it is validated. Guarded by
 * the transport's lock.
 */
final class QueueRegisters {
    final int maxSize;
    int size;
    boolean ready;
    long descriptorTable;
    long availRing;
    long usedRing;

    QueueRegisters(int maxSize) {
        this.maxSize = maxSize;
    }

    QueueLayout layout() {
        return new QueueLayout(size, descriptorTable, availRing, usedRing);
    }
}
