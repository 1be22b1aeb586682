package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The Intel MultiProcessor Specification 1.4 tables that tell the kernel how many CPUs there are and how legacy
 * interrupts are wired, without ACPI: a floating pointer at the top of the EBDA (where Linux scans for it), followed
 * by a configuration table with one processor entry per vCPU, an ISA bus, the I/O APIC, one I/O interrupt entry per
 * I/O APIC pin (ISA IRQ n → pin n) and the local interrupt wiring (LINT0 ExtINT on the BSP, LINT1 NMI everywhere).
 */
final class MpTable {
    static final int FLOATING_POINTER_SIZE = 16;
    static final int HEADER_SIZE = 44;
    static final int PROCESSOR_ENTRY_SIZE = 20;
    static final int SHORT_ENTRY_SIZE = 8;

    static final int ENTRY_PROCESSOR = 0;
    static final int ENTRY_BUS = 1;
    static final int ENTRY_IOAPIC = 2;
    static final int ENTRY_IO_INTERRUPT = 3;
    static final int ENTRY_LOCAL_INTERRUPT = 4;

    static final int SPEC_REVISION = 4;
    static final int LAPIC_VERSION = 0x14;
    static final int IOAPIC_VERSION = 0x11;
    static final int CPU_ENABLED = 1;
    static final int CPU_BOOT_PROCESSOR = 2;
    /** Family 6 signature and the FPU + APIC feature bits, as reported by real BIOSes. */
    static final int CPU_SIGNATURE = 0x600;
    static final int CPU_FEATURES = 0x201;
    static final int INTERRUPT_INT = 0;
    static final int INTERRUPT_NMI = 1;
    static final int INTERRUPT_EXTINT = 3;
    static final int ISA_BUS_ID = 0;
    static final int ALL_LOCAL_APICS = 0xff;

    private MpTable() {}

    /** Size of the whole structure (floating pointer + configuration table) for {@code vcpus} CPUs. */
    static int size(int vcpus) {
        return FLOATING_POINTER_SIZE + configTableSize(vcpus);
    }

    private static int configTableSize(int vcpus) {
        return HEADER_SIZE + vcpus * PROCESSOR_ENTRY_SIZE
                + SHORT_ENTRY_SIZE * (2 + MemoryLayout.IOAPIC_PINS + 2); // bus, IOAPIC, pins, LINT0/LINT1
    }

    /** Writes the tables for {@code vcpus} CPUs at {@link MemoryLayout#MP_TABLE_ADDRESS}. */
    static void write(GuestMemory memory, int vcpus) {
        memory.write(MemoryLayout.MP_TABLE_ADDRESS, build(vcpus));
    }

    static byte[] build(int vcpus) {
        if (vcpus < 1 || vcpus > BootConfig.MAX_VCPUS) {
            throw new IllegalArgumentException("vCPU count " + vcpus + " outside [1, " + BootConfig.MAX_VCPUS + "]");
        }
        if (MemoryLayout.MP_TABLE_ADDRESS + size(vcpus) > MemoryLayout.HIGH_MEMORY_START) {
            throw new IllegalStateException("MP table for " + vcpus + " vCPUs does not fit below 1 MiB");
        }
        ByteBuffer b = ByteBuffer.allocate(size(vcpus)).order(ByteOrder.LITTLE_ENDIAN);
        long configAddress = MemoryLayout.MP_TABLE_ADDRESS + FLOATING_POINTER_SIZE;
        int ioapicId = vcpus; // the first id after the CPUs' local APIC ids

        b.put(ascii("_MP_"));
        b.putInt((int) configAddress);
        b.put((byte) 1); // length in 16-byte paragraphs
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0); // checksum, below
        b.put(new byte[5]); // feature bytes: 0 = a configuration table is present
        b.put(10, checksum(b, 0, FLOATING_POINTER_SIZE));

        int config = b.position();
        int entryCount = vcpus + 2 + MemoryLayout.IOAPIC_PINS + 2;
        b.put(ascii("PCMP"));
        b.putShort((short) configTableSize(vcpus));
        b.put((byte) SPEC_REVISION);
        b.put((byte) 0); // checksum, below
        b.put(ascii("STOCKADE"));
        b.put(ascii("MICROVM     "));
        b.putInt(0); // no OEM table
        b.putShort((short) 0);
        b.putShort((short) entryCount);
        b.putInt((int) MemoryLayout.LAPIC_ADDRESS);
        b.putShort((short) 0); // no extended table
        b.put((byte) 0);
        b.put((byte) 0);

        for (int cpu = 0; cpu < vcpus; cpu++) {
            b.put((byte) ENTRY_PROCESSOR);
            b.put((byte) cpu); // local APIC id = vCPU index, matching CPUID
            b.put((byte) LAPIC_VERSION);
            b.put((byte) (CPU_ENABLED | (cpu == 0 ? CPU_BOOT_PROCESSOR : 0)));
            b.putInt(CPU_SIGNATURE);
            b.putInt(CPU_FEATURES);
            b.putLong(0);
        }
        b.put((byte) ENTRY_BUS).put((byte) ISA_BUS_ID).put(ascii("ISA   "));
        b.put((byte) ENTRY_IOAPIC).put((byte) ioapicId).put((byte) IOAPIC_VERSION).put((byte) 1 /* usable */)
                .putInt((int) MemoryLayout.IOAPIC_ADDRESS);
        for (int pin = 0; pin < MemoryLayout.IOAPIC_PINS; pin++) {
            b.put((byte) ENTRY_IO_INTERRUPT).put((byte) INTERRUPT_INT).putShort((short) 0 /* bus-default polarity */)
                    .put((byte) ISA_BUS_ID).put((byte) pin).put((byte) ioapicId).put((byte) pin);
        }
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INTERRUPT_EXTINT).putShort((short) 0)
                .put((byte) ISA_BUS_ID).put((byte) 0).put((byte) 0 /* BSP */).put((byte) 0 /* LINT0 */);
        b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) INTERRUPT_NMI).putShort((short) 0)
                .put((byte) ISA_BUS_ID).put((byte) 0).put((byte) ALL_LOCAL_APICS).put((byte) 1 /* LINT1 */);

        if (b.hasRemaining()) {
            throw new IllegalStateException("MP table size mismatch: " + b.remaining() + " bytes unwritten");
        }
        b.put(config + 7, checksum(b, config, configTableSize(vcpus)));
        return b.array();
    }

    /** The byte that makes {@code [from, from + length)} sum to zero modulo 256 (its slot must hold 0). */
    private static byte checksum(ByteBuffer b, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += b.get(i);
        }
        return (byte) -sum;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
