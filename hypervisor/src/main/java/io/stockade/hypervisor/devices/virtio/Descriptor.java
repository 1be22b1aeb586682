package io.stockade.hypervisor.devices.virtio;

/**
 * One guest buffer of a descriptor chain after validation: {@code [address, address + length)} lies inside one
 * guest RAM region. {@code length} is the descriptor's unsigned 32-bit length widened to a long.
 */
public record Descriptor(long address, long length, boolean writable) {
    public Descriptor {
        if (length < 0 || length > 0xffff_ffffL) {
            throw new IllegalArgumentException("descriptor length " + length + " is not an unsigned 32-bit value");
        }
    }
}
