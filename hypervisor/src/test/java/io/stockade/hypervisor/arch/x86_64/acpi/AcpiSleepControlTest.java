package io.stockade.hypervisor.arch.x86_64.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The sleep registers driven the way Linux's acpi_hw_extended_sleep() drives them. */
class AcpiSleepControlTest {
    private final AtomicInteger powerOffs = new AtomicInteger();
    private final AcpiSleepControl device = new AcpiSleepControl(powerOffs::incrementAndGet);

    private static final long CONTROL = 0;
    private static final long STATUS = AcpiSleepControl.STATUS_PORT - AcpiSleepControl.CONTROL_PORT;

    private void write(long offset, int value) {
        device.write(offset, new byte[] {(byte) value});
    }

    private int read(long offset) {
        byte[] data = {(byte) 0xaa};
        device.read(offset, data);
        return data[0] & 0xff;
    }

    @Test
    void linuxPowerOffSequenceCallsThePowerOffCallbackOnce() {
        write(STATUS, 0x80); // clear WAK_STS
        write(CONTROL, (Dsdt.S5_SLEEP_TYPE << 2) | 0x20); // SLP_TYP=5, SLP_EN: 0x34

        assertEquals(0x34, (Dsdt.S5_SLEEP_TYPE << 2) | 0x20, "the byte Linux writes for our \\_S5_");
        assertEquals(1, powerOffs.get());
    }

    @Test
    void theS5TypeWithoutSlpEnDoesNothing() {
        write(CONTROL, Dsdt.S5_SLEEP_TYPE << 2);
        assertEquals(0, powerOffs.get());
    }

    @Test
    void otherSleepStatesAreIgnoredAndReportedAsWokenUpSoTheGuestDoesNotSpin() {
        assertEquals(0, read(STATUS), "no wake status before any sleep");
        write(CONTROL, (3 << 2) | 0x20); // S3 — our DSDT declares no \_S3_, but a guest may try anyway

        assertEquals(0, powerOffs.get());
        assertEquals(0x80, read(STATUS), "WAK_STS set: the 'wake-up' already happened");
        write(STATUS, 0x01);
        assertEquals(0x80, read(STATUS), "only a 1 in bit 7 clears WAK_STS");
        write(STATUS, 0x80);
        assertEquals(0, read(STATUS), "WAK_STS is write-1-to-clear");
    }

    @Test
    void theControlRegisterReadsAsZero() {
        write(CONTROL, (3 << 2) | 0x20);
        assertEquals(0, read(CONTROL));
    }

    @Test
    void aWordAccessCoversBothRegisters() {
        device.write(CONTROL, new byte[] {(byte) ((2 << 2) | 0x20), 0});
        byte[] both = new byte[2];
        device.read(CONTROL, both);
        assertArrayEquals(new byte[] {0, (byte) 0x80}, both);
        device.write(CONTROL, new byte[] {0, (byte) 0x80});
        device.read(CONTROL, both);
        assertArrayEquals(new byte[] {0, 0}, both);
        assertEquals(0, powerOffs.get());
    }
}
