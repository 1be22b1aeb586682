package io.stockade.hypervisor.arch.x86_64.acpi;

import java.util.ArrayList;
import java.util.List;

/**
 * The Differentiated System Description Table: the AML namespace of the microVM.
 *
 * <ul>
 *   <li>{@code \_S5_}: the soft-off sleep state. Linux installs its ACPI power-off handler only when it can
 *       evaluate {@code \_S5_}; it then writes {@code SLP_TYP = }{@value #S5_SLEEP_TYPE} with {@code SLP_EN} to the
 *       FADT's sleep control register ({@link AcpiSleepControl}).
 *   <li>COM1 ({@code PNP0501}) and the i8042 keyboard controller ({@code PNP0303}). With hardware-reduced ACPI,
 *       Linux drops the legacy PIC and maps no ISA IRQ on its own: an interrupt works only for a device whose
 *       {@code _CRS} claims it. Without these entries the 8250 driver and the i8042 would have no IRQ, and Linux
 *       would not even probe the i8042 (it probes through PNP unless {@code i8042.nopnp}).
 *   <li>One {@code LNRO0005} device per virtio-mmio window (see {@link VirtioMmioDevice}).
 * </ul>
 *
 * The ports and IRQs are the PC's fixed ISA assignments, where the VMM maps its serial port and i8042.
 */
final class Dsdt {
    static final String SIGNATURE = "DSDT";
    /** Revision 2: integers are 64 bits wide. */
    static final int REVISION = 2;
    /** SLP_TYP of S5 in our {@code \_S5_} package; any value works as long as table and device agree. */
    static final int S5_SLEEP_TYPE = 5;

    static final int COM1_PORT = 0x3f8;
    static final int COM1_PORT_COUNT = 8;
    static final int COM1_IRQ = 4;
    static final int I8042_DATA_PORT = 0x60;
    static final int I8042_COMMAND_PORT = 0x64;
    static final int KEYBOARD_IRQ = 1;
    /** Virtio-mmio devices are numbered V000..VFFF in the namespace. */
    static final int MAX_VIRTIO_DEVICES = 0x1000;

    private Dsdt() {}

    static byte[] build(List<VirtioMmioDevice> virtioDevices) {
        if (virtioDevices.size() > MAX_VIRTIO_DEVICES) {
            throw new IllegalArgumentException(virtioDevices.size() + " virtio-mmio devices; the DSDT names at most "
                    + MAX_VIRTIO_DEVICES);
        }
        List<byte[]> terms = new ArrayList<>();
        terms.add(sleepStateS5());
        terms.add(Aml.device("_SB_.COM1",
                Aml.name("_HID", Aml.eisaId("PNP0501")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_CRS", Aml.resourceTemplate(Aml.io(COM1_PORT, COM1_PORT_COUNT), Aml.irqNoFlags(COM1_IRQ)))));
        terms.add(Aml.device("_SB_.PS2_",
                Aml.name("_HID", Aml.eisaId("PNP0303")),
                Aml.name("_CRS", Aml.resourceTemplate(Aml.io(I8042_DATA_PORT, 1), Aml.io(I8042_COMMAND_PORT, 1),
                        Aml.irqNoFlags(KEYBOARD_IRQ)))));
        for (int i = 0; i < virtioDevices.size(); i++) {
            VirtioMmioDevice d = virtioDevices.get(i);
            terms.add(Aml.device(String.format("_SB_.V%03X", i),
                    Aml.name("_HID", Aml.string("LNRO0005")),
                    Aml.name("_UID", Aml.integer(i)),
                    Aml.name("_CRS", Aml.resourceTemplate(Aml.memory32Fixed(d.address(), d.size()),
                            Aml.extendedInterrupt(d.gsi())))));
        }
        byte[] body = Aml.concat(terms.toArray(byte[][]::new));
        var table = TableHeader.start(SIGNATURE, TableHeader.SIZE + body.length, REVISION);
        table.put(body);
        return TableHeader.seal(table);
    }

    /** {@code Name(_S5_, Package(){S5_SLEEP_TYPE, 0, 0, 0})}: SLP_TYPa, SLP_TYPb, two reserved. */
    static byte[] sleepStateS5() {
        return Aml.name("_S5_", Aml.pkg(Aml.integer(S5_SLEEP_TYPE), Aml.integer(0), Aml.integer(0), Aml.integer(0)));
    }
}
