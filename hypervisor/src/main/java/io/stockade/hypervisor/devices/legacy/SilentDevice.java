package io.stockade.hypervisor.devices.legacy;

import io.stockade.hypervisor.devices.bus.BusDevice;
import java.util.Arrays;

/**
 * Ports Linux probes on every PC that a microVM deliberately does not implement (POST diagnostics at
 * 0x80, the CMOS/RTC at 0x70–0x71, PCI configuration at 0xcf8–0xcff): reads return a fixed byte, writes
 * are dropped, and nothing is logged, so they do not show up among the genuinely unknown ports.
 */
public final class SilentDevice implements BusDevice {

    private final byte readValue;

    /** @param readValue what every byte of a read returns (0 for "no CMOS data", 0xff for "no PCI device") */
    public SilentDevice(int readValue) {
        this.readValue = (byte) readValue;
    }

    @Override
    public void read(long offset, byte[] data) {
        Arrays.fill(data, readValue);
    }

    @Override
    public void write(long offset, byte[] data) {
        // Deliberately ignored.
    }
}
