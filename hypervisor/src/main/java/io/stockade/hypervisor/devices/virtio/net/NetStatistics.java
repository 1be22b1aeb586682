package io.stockade.hypervisor.devices.virtio.net;

/**
 * Traffic counters of one virtio-net device since it was created, from the guest's point of view: rx is towards the
 * guest, tx is from it. Bytes count Ethernet frames without the virtio-net header. Dropped frames are those the
 * device refused (malformed, oversized, not fitting the guest's buffer) or the backend could not take.
 */
public record NetStatistics(long rxFrames, long rxBytes, long rxDropped, long txFrames, long txBytes,
                            long txDropped) {
}
