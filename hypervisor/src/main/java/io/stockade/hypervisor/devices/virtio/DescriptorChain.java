package io.stockade.hypervisor.devices.virtio;

/**
 * One request the driver made available: the head descriptor index (what goes back into the used ring) and its
 * buffers, already walked and validated by {@link Virtqueue} — every buffer lies inside guest RAM, readable buffers
 * precede writable ones, indirect tables are resolved. Devices read the request from {@link #readable()} and write
 * the answer into {@link #writable()}.
 */
public record DescriptorChain(int headIndex, GuestBuffers readable, GuestBuffers writable) {
}
