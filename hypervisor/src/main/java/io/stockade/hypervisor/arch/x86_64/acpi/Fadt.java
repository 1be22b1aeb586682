package io.stockade.hypervisor.arch.x86_64.acpi;

import java.nio.ByteBuffer;

/**
 * The Fixed ACPI Description Table (signature {@code FACP}, revision 6.5, 276 bytes) of a hardware-reduced
 * platform: no PM1 blocks, GPEs, SCI or ACPI timer — only the sleep control and status registers
 * ({@link AcpiSleepControl}) through which Linux enters S5, and the pointer to the DSDT. As in Firecracker, the
 * flags also say there is no fixed power or sleep button, and the IA-PC boot flags that there is no VGA, no MSI
 * and no PCIe ASPM control; unlike Firecracker they also declare the i8042 (which we have) and that there is no
 * CMOS RTC (which we do not have).
 */
final class Fadt {
    static final String SIGNATURE = "FACP";
    static final int LENGTH = 276;
    static final int REVISION = 6;
    static final int MINOR_REVISION = 5;

    // Field offsets, ACPI 6.5 table 5.9.
    static final int FIRMWARE_CTRL = 36;
    static final int DSDT = 40;
    static final int SCI_INT = 46;
    static final int IAPC_BOOT_ARCH = 109;
    static final int FLAGS = 112;
    static final int RESET_REG = 116;
    static final int FADT_MINOR_VERSION = 131;
    static final int X_FIRMWARE_CTRL = 132;
    static final int X_DSDT = 140;
    static final int X_PM1A_EVT_BLK = 148;
    static final int SLEEP_CONTROL_REG = 244;
    static final int SLEEP_STATUS_REG = 256;
    static final int HYPERVISOR_VENDOR_IDENTITY = 268;

    static final int FLAG_PWR_BUTTON = 1 << 4;
    static final int FLAG_SLP_BUTTON = 1 << 5;
    static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

    static final int BOOT_ARCH_8042 = 1 << 1;
    static final int BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
    static final int BOOT_ARCH_MSI_NOT_SUPPORTED = 1 << 3;
    static final int BOOT_ARCH_PCIE_ASPM_CONTROLS = 1 << 4;
    static final int BOOT_ARCH_CMOS_RTC_NOT_PRESENT = 1 << 5;

    static final String HYPERVISOR_VENDOR = "STOCKADE";

    private Fadt() {}

    static byte[] build(long dsdtAddress) {
        ByteBuffer t = TableHeader.start(SIGNATURE, LENGTH, REVISION);
        t.position(LENGTH);
        // FIRMWARE_CTRL/X_FIRMWARE_CTRL stay 0: a hardware-reduced platform needs no FACS. The 32-bit DSDT field
        // stays 0 too: with X_DSDT set, the spec wants it ignored and ACPICA warns if the two disagree.
        t.putShort(IAPC_BOOT_ARCH, (short) (BOOT_ARCH_8042 | BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_SUPPORTED
                | BOOT_ARCH_PCIE_ASPM_CONTROLS | BOOT_ARCH_CMOS_RTC_NOT_PRESENT));
        t.putInt(FLAGS, FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON);
        t.put(FADT_MINOR_VERSION, (byte) MINOR_REVISION);
        t.putLong(X_DSDT, dsdtAddress);
        GenericAddress.ioByte(AcpiSleepControl.CONTROL_PORT).writeTo(t, SLEEP_CONTROL_REG);
        GenericAddress.ioByte(AcpiSleepControl.STATUS_PORT).writeTo(t, SLEEP_STATUS_REG);
        t.put(HYPERVISOR_VENDOR_IDENTITY, TableHeader.ascii(HYPERVISOR_VENDOR));
        return TableHeader.seal(t);
    }
}
