package io.stockade.hypervisor.devices.bus;

import java.util.Map;

/**
 * The guest-physical MMIO space outside RAM: routes MMIO exits to the device owning the address.
 *
 * <p>Same policy as {@link PioBus}: non-overlapping ranges, all-ones for unowned reads, dropped unowned
 * writes, counted and logged once per address.
 */
public final class MmioBus {

    private final AddressSpace space = new AddressSpace("MMIO", Long.MAX_VALUE);

    /**
     * Maps {@code device} at guest-physical {@code [base, base + length)}.
     *
     * @throws IllegalArgumentException if the range is empty, wraps around or overlaps another device
     */
    public void register(String name, long base, long length, BusDevice device) {
        space.register(name, base, length, device);
    }

    /**
     * Answers a guest read of {@code data.length} bytes at {@code address}.
     *
     * @return whether a device handled it (otherwise {@code data} is all-ones)
     */
    public boolean read(long address, byte[] data) {
        return space.read(address, data);
    }

    /**
     * Delivers a guest write of {@code data} at {@code address}.
     *
     * @return whether a device handled it (otherwise it was dropped)
     */
    public boolean write(long address, byte[] data) {
        return space.write(address, data);
    }

    /** Address → number of guest accesses no device handled, for diagnostics. */
    public Map<Long, Long> unhandledAccesses() {
        return space.unhandledAccesses();
    }
}
