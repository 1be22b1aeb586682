package io.stockade.hypervisor.devices.bus;

import java.util.Map;

/**
 * The guest's 64 KiB x86 port I/O space: routes {@code in}/{@code out} exits to the device owning the port.
 *
 * <p>Ranges never overlap (registration rejects it, naming both devices). A read of a port no device owns
 * returns all-ones, as on an empty ISA bus; a write to it is dropped. Both are counted per port and logged
 * once at debug level, so probes by the guest do not flood the log but remain diagnosable.
 */
public final class PioBus {

    /** Ports are 16 bits wide. */
    public static final int PORT_LIMIT = 0x1_0000;

    private final AddressSpace space = new AddressSpace("PIO", PORT_LIMIT);

    /**
     * Maps {@code device} at ports {@code [base, base + length)}.
     *
     * @throws IllegalArgumentException if the range is empty, leaves the port space or overlaps another device
     */
    public void register(String name, int base, int length, BusDevice device) {
        space.register(name, base, length, device);
    }

    /**
     * Answers a guest {@code in} of {@code data.length} bytes at {@code port}.
     *
     * @return whether a device handled it (otherwise {@code data} is all-ones)
     * @throws DeviceFailedException if the device itself failed
     */
    public boolean read(int port, byte[] data) {
        return space.read(port, data);
    }

    /**
     * Delivers a guest {@code out} of {@code data} at {@code port}.
     *
     * @return whether a device handled it (otherwise it was dropped)
     * @throws DeviceFailedException if the device itself failed
     */
    public boolean write(int port, byte[] data) {
        return space.write(port, data);
    }

    /** Port → number of guest accesses no device handled, for diagnostics. */
    public Map<Long, Long> unhandledAccesses() {
        return space.unhandledAccesses();
    }
}
