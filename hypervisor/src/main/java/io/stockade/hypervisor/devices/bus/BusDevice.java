package io.stockade.hypervisor.devices.bus;

/**
 * A device mapped into a range of the guest's port I/O or MMIO space.
 *
 * <p>The bus resolves a guest access to the device and the offset inside the range it was registered
 * with; {@code data.length} is the access width (1, 2, 4 or 8 bytes, little-endian). vCPU threads call
 * devices concurrently, so implementations must be thread-safe. A device must treat every value the
 * guest writes as untrusted: bad values are ignored or logged, never thrown.
 */
public interface BusDevice {

    /** Fills {@code data} with the device's answer to a guest read at {@code offset}. */
    void read(long offset, byte[] data);

    /** Applies a guest write of {@code data} at {@code offset}. */
    void write(long offset, byte[] data);
}
