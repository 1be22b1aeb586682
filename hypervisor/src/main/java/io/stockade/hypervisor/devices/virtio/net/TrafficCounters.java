package io.stockade.hypervisor.devices.virtio.net;

import java.util.concurrent.atomic.AtomicLong;

/** The live counters behind {@link NetStatistics}; rx and tx are updated from different threads. */
final class TrafficCounters {
    private final AtomicLong rxFrames = new AtomicLong();
    private final AtomicLong rxBytes = new AtomicLong();
    private final AtomicLong rxDropped = new AtomicLong();
    private final AtomicLong txFrames = new AtomicLong();
    private final AtomicLong txBytes = new AtomicLong();
    private final AtomicLong txDropped = new AtomicLong();

    void received(long frameBytes) {
        rxFrames.incrementAndGet();
        rxBytes.addAndGet(frameBytes);
    }

    void receiveDropped() {
        rxDropped.incrementAndGet();
    }

    void transmitted(long frameBytes) {
        txFrames.incrementAndGet();
        txBytes.addAndGet(frameBytes);
    }

    void transmitDropped() {
        txDropped.incrementAndGet();
    }

    NetStatistics snapshot() {
        return new NetStatistics(rxFrames.get(), rxBytes.get(), rxDropped.get(), txFrames.get(), txBytes.get(),
                txDropped.get());
    }
}
