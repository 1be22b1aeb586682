package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.arch.x86_64.acpi.AcpiSleepControl;
import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.bus.PioBus;
import io.stockade.hypervisor.devices.legacy.BootTimer;
import io.stockade.hypervisor.devices.legacy.I8042;
import io.stockade.hypervisor.devices.legacy.Serial8250;
import io.stockade.hypervisor.devices.legacy.SilentDevice;
import java.io.OutputStream;
import java.util.Optional;

/**
 * The platform devices every Stockade VM has, at their conventional ports: COM1 (0x3f8, IRQ 4), the i8042
 * (0x60–0x64, IRQ 1), the ACPI sleep registers (0x600–0x601), the boot timer (0x440, optional), and silent
 * stand-ins for ports Linux probes on every PC (CMOS 0x70–0x71, POST 0x80, PCI configuration 0xcf8–0xcff
 * answering "no device"). COM1 and the i8042 sit where the DSDT describes them.
 */
final class PlatformDevices {

    static final int COM1_PORT = 0x3f8;
    static final int COM1_IRQ = 4;
    static final int KEYBOARD_IRQ = 1;
    static final int CMOS_PORT = 0x70;
    static final int POST_PORT = 0x80;
    static final int PCI_CONFIG_PORT = 0xcf8;

    final Serial8250 serial;
    final I8042 i8042;
    final Optional<BootTimer> bootTimer;

    PlatformDevices(Serial8250 serial, I8042 i8042, Optional<BootTimer> bootTimer) {
        this.serial = serial;
        this.i8042 = i8042;
        this.bootTimer = bootTimer;
    }

    /**
     * Creates the devices and maps them on {@code pio}.
     *
     * @param console where COM1's output goes
     * @param onReset called when the guest resets the machine through the i8042
     * @param onPowerOff called when the guest enters ACPI S5
     */
    static PlatformDevices create(PioBus pio, OutputStream console, Interrupt com1Irq, Interrupt keyboardIrq,
                                  Runnable onReset, Runnable onPowerOff, Optional<BootTimer> bootTimer) {
        Serial8250 serial = new Serial8250(console, com1Irq);
        I8042 i8042 = new I8042(onReset, keyboardIrq);
        pio.register("serial ttyS0", COM1_PORT, Serial8250.REGISTER_COUNT, serial);
        pio.register("i8042", I8042.BASE_PORT, I8042.PORT_COUNT, i8042);
        pio.register("ACPI sleep control", AcpiSleepControl.CONTROL_PORT, AcpiSleepControl.PORT_COUNT,
                new AcpiSleepControl(onPowerOff));
        bootTimer.ifPresent(timer -> pio.register("boot timer", BootTimer.PORT, 1, timer));
        pio.register("CMOS (absent)", CMOS_PORT, 2, new SilentDevice(0x00));
        pio.register("POST diagnostics", POST_PORT, 1, new SilentDevice(0x00));
        pio.register("PCI configuration (no PCI)", PCI_CONFIG_PORT, 8, new SilentDevice(0xff));
        return new PlatformDevices(serial, i8042, bootTimer);
    }
}
