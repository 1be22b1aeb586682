package io.stockade.hypervisor.arch.x86_64.acpi;

import io.stockade.hypervisor.devices.bus.BusDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hardware-reduced ACPI sleep registers the FADT advertises: SLEEP_CONTROL_REG at I/O port
 * {@value #CONTROL_PORT} and SLEEP_STATUS_REG at {@value #STATUS_PORT} (register on the PIO bus at
 * {@link #CONTROL_PORT} with length {@link #PORT_COUNT}). Port 0x600 is free on a PC and is where Cloud
 * Hypervisor puts the same register.
 *
 * <p>Linux powers off by writing {@code SLP_TYP << 2 | SLP_EN} to the control register, with SLP_TYP from the
 * DSDT's {@code \_S5_}; that calls the power-off callback, which stops the VM. Other sleep states are not
 * supported (the DSDT declares none): a request for one is logged and answered by setting WAK_STS at once, so a
 * guest polling for wake-up carries on instead of spinning forever. The status register reads back WAK_STS; the
 * guest clears it by writing it as 1. The device lives here rather than in {@code devices.legacy} because its bit
 * layout, ports and S5 type are one contract with the FADT and DSDT of this package.
 */
public final class AcpiSleepControl implements BusDevice {

    private static final Logger log = LoggerFactory.getLogger(AcpiSleepControl.class);

    /** SLEEP_CONTROL_REG. */
    public static final int CONTROL_PORT = 0x600;
    /** SLEEP_STATUS_REG, right after the control register. */
    public static final int STATUS_PORT = 0x601;
    /** Ports from {@link #CONTROL_PORT} that this device decodes. */
    public static final int PORT_COUNT = 2;

    /** ACPI 6.5 §4.8.3.7: SLP_EN, bit 5 of the sleep control register. */
    static final int SLP_EN = 1 << 5;
    static final int SLP_TYP_SHIFT = 2;
    static final int SLP_TYP_MASK = 0x7;
    /** WAK_STS, bit 7 of the sleep status register. */
    static final int WAK_STS = 1 << 7;

    private final Runnable powerOff;
    private boolean wakeStatus; // guarded by this

    /** @param powerOff called on the vCPU thread when the guest enters S5 */
    public AcpiSleepControl(Runnable powerOff) {
        this.powerOff = powerOff;
    }

    @Override
    public void read(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            data[i] = offset + i == STATUS_PORT - CONTROL_PORT ? (byte) status() : 0;
        }
    }

    private synchronized int status() {
        return wakeStatus ? WAK_STS : 0;
    }

    @Override
    public void write(long offset, byte[] data) {
        for (int i = 0; i < data.length; i++) {
            int value = data[i] & 0xff;
            long register = offset + i;
            if (register == 0) {
                control(value);
            } else if (register == STATUS_PORT - CONTROL_PORT && (value & WAK_STS) != 0) {
                synchronized (this) {
                    wakeStatus = false; // write-1-to-clear
                }
            }
        }
    }

    private void control(int value) {
        if ((value & SLP_EN) == 0) {
            log.debug("ACPI sleep control write 0x{} without SLP_EN ignored", Integer.toHexString(value));
            return;
        }
        int type = (value >>> SLP_TYP_SHIFT) & SLP_TYP_MASK;
        if (type == Dsdt.S5_SLEEP_TYPE) {
            log.info("guest entered ACPI S5 (soft off) through the sleep control register");
            powerOff.run();
            return;
        }
        log.info("guest asked for unsupported ACPI sleep type {} (sleep control 0x{}); ignored, reporting wake-up",
                type, Integer.toHexString(value));
        synchronized (this) {
            wakeStatus = true;
        }
    }
}
