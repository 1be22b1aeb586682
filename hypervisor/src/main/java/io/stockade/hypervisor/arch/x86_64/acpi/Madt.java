package io.stockade.hypervisor.arch.x86_64.acpi;

import io.stockade.hypervisor.arch.x86_64.BootConfig;
import io.stockade.hypervisor.arch.x86_64.MemoryLayout;
import java.nio.ByteBuffer;

/**
 * The Multiple APIC Description Table (signature {@code APIC}): one enabled Processor Local APIC per vCPU (APIC id
 * and processor UID = vCPU index, as CPUID reports them), the I/O APIC (id = vCPU count, GSIs from 0) and LINT1 as
 * NMI on every CPU — the same machine the MP table describes for a guest booted with {@code acpi=off}.
 *
 * <p>No Interrupt Source Overrides: the MP table routes ISA IRQ n to I/O APIC pin n, and so does KVM's default
 * GSI routing (the in-kernel PIT raises GSI 0, which reaches pin 0). ACPI's default for ISA IRQs without an
 * override is exactly that identity mapping, edge-triggered and active-high like the MP table's bus defaults; an
 * override of IRQ 0 to GSI 2 (as PC firmware declares) would point the kernel at a pin the PIT never drives.
 */
final class Madt {
    static final String SIGNATURE = "APIC";
    static final int REVISION = 6;
    static final int LOCAL_APIC_ADDRESS = 36;
    static final int FLAGS = 40;
    static final int ENTRIES = 44;

    static final int TYPE_LOCAL_APIC = 0;
    static final int TYPE_IO_APIC = 1;
    static final int TYPE_LOCAL_APIC_NMI = 4;
    static final int LOCAL_APIC_LENGTH = 8;
    static final int IO_APIC_LENGTH = 12;
    static final int LOCAL_APIC_NMI_LENGTH = 6;

    /** The in-kernel irqchip includes a dual 8259 PIC. */
    static final int FLAG_PCAT_COMPAT = 1;
    static final int LOCAL_APIC_ENABLED = 1;
    static final int ALL_PROCESSORS = 0xff;
    static final int LINT1 = 1;

    private Madt() {}

    static int length(int vcpus) {
        return ENTRIES + vcpus * LOCAL_APIC_LENGTH + IO_APIC_LENGTH + LOCAL_APIC_NMI_LENGTH;
    }

    static byte[] build(int vcpus) {
        if (vcpus < 1 || vcpus > BootConfig.MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count " + vcpus + " outside [1, " + BootConfig.MAX_VCPUS + "]");
        }
        ByteBuffer t = TableHeader.start(SIGNATURE, length(vcpus), REVISION);
        t.putInt((int) MemoryLayout.LAPIC_ADDRESS);
        t.putInt(FLAG_PCAT_COMPAT);
        for (int cpu = 0; cpu < vcpus; cpu++) {
            t.put((byte) TYPE_LOCAL_APIC).put((byte) LOCAL_APIC_LENGTH).put((byte) cpu).put((byte) cpu)
                    .putInt(LOCAL_APIC_ENABLED);
        }
        t.put((byte) TYPE_IO_APIC).put((byte) IO_APIC_LENGTH).put((byte) vcpus).put((byte) 0)
                .putInt((int) MemoryLayout.IOAPIC_ADDRESS).putInt(0 /* GSI base */);
        t.put((byte) TYPE_LOCAL_APIC_NMI).put((byte) LOCAL_APIC_NMI_LENGTH).put((byte) ALL_PROCESSORS)
                .putShort((short) 0 /* bus-conforming polarity and trigger */).put((byte) LINT1);
        return TableHeader.seal(t);
    }
}
