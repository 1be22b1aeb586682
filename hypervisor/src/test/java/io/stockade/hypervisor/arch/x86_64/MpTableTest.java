package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MpTableTest {
    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(MemoryLayout.MIN_RAM_BYTES));

    @AfterEach
    void close() {
        memory.close();
    }

    record Processor(int apicId, int flags) {}

    record IoInterrupt(int type, int sourceBus, int sourceIrq, int ioApic, int pin) {}

    record LocalInterrupt(int type, int destinationApic, int lint) {}

    /** The tables as a kernel reads them back, with both checksums verified. */
    record Parsed(int entryCount, List<Processor> processors, List<String> buses, int ioApicId, int ioApicVersion,
                  long ioApicAddress, List<IoInterrupt> ioInterrupts, List<LocalInterrupt> localInterrupts,
                  long lapicAddress) {}

    private int u8(long gpa) {
        return Byte.toUnsignedInt(memory.readByte(gpa));
    }

    private int sum(long from, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += u8(from + i);
        }
        return sum & 0xff;
    }

    private String ascii(long gpa, int length) {
        byte[] bytes = new byte[length];
        memory.read(gpa, bytes, 0, length);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private Parsed parse() {
        long mpf = MemoryLayout.MP_TABLE_ADDRESS;
        assertEquals("_MP_", ascii(mpf, 4));
        assertEquals(1, u8(mpf + 8), "floating pointer length in paragraphs");
        assertEquals(4, u8(mpf + 9), "spec revision 1.4");
        assertEquals(0, sum(mpf, 16), "floating pointer checksum");
        assertEquals(0, u8(mpf + 11), "feature byte 1: configuration table present");
        long config = Integer.toUnsignedLong(memory.readInt(mpf + 4));

        assertEquals("PCMP", ascii(config, 4));
        int length = Short.toUnsignedInt(memory.readShort(config + 4));
        assertEquals(0, sum(config, length), "configuration table checksum");
        int entryCount = Short.toUnsignedInt(memory.readShort(config + 34));
        long lapic = Integer.toUnsignedLong(memory.readInt(config + 36));

        List<Processor> processors = new ArrayList<>();
        List<String> buses = new ArrayList<>();
        List<IoInterrupt> io = new ArrayList<>();
        List<LocalInterrupt> local = new ArrayList<>();
        int ioApicId = -1;
        int ioApicVersion = -1;
        long ioApicAddress = -1;
        long at = config + 44;
        for (int i = 0; i < entryCount; i++) {
            switch (u8(at)) {
                case 0 -> {
                    processors.add(new Processor(u8(at + 1), u8(at + 3)));
                    at += 20;
                }
                case 1 -> {
                    buses.add(ascii(at + 2, 6));
                    at += 8;
                }
                case 2 -> {
                    ioApicId = u8(at + 1);
                    ioApicVersion = u8(at + 2);
                    assertEquals(1, u8(at + 3), "IOAPIC usable");
                    ioApicAddress = Integer.toUnsignedLong(memory.readInt(at + 4));
                    at += 8;
                }
                case 3 -> {
                    io.add(new IoInterrupt(u8(at + 1), u8(at + 4), u8(at + 5), u8(at + 6), u8(at + 7)));
                    at += 8;
                }
                case 4 -> {
                    local.add(new LocalInterrupt(u8(at + 1), u8(at + 6), u8(at + 7)));
                    at += 8;
                }
                default -> throw new AssertionError("unknown MP entry type " + u8(at) + " at 0x" + Long.toHexString(at));
            }
        }
        assertEquals(config + length, at, "entries fill exactly the declared table length");
        return new Parsed(entryCount, processors, buses, ioApicId, ioApicVersion, ioApicAddress, io, local, lapic);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void describesEveryVcpuWithTheBspFirst(int vcpus) {
        MpTable.write(memory, vcpus);

        Parsed table = parse();
        assertEquals(vcpus + 1 + 1 + 24 + 2, table.entryCount());
        assertEquals(vcpus, table.processors().size());
        for (int cpu = 0; cpu < vcpus; cpu++) {
            assertEquals(new Processor(cpu, cpu == 0 ? 3 : 1), table.processors().get(cpu), "CPU " + cpu);
        }
        assertEquals(0xfee0_0000L, table.lapicAddress());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 8})
    void routesEveryIsaIrqToTheSameIoApicPin(int vcpus) {
        MpTable.write(memory, vcpus);

        Parsed table = parse();
        assertEquals(List.of("ISA   "), table.buses());
        assertEquals(vcpus, table.ioApicId(), "first id after the CPUs'");
        assertEquals(0x11, table.ioApicVersion());
        assertEquals(0xfec0_0000L, table.ioApicAddress());
        assertEquals(24, table.ioInterrupts().size());
        for (int irq = 0; irq < 24; irq++) {
            assertEquals(new IoInterrupt(0, 0, irq, vcpus, irq), table.ioInterrupts().get(irq));
        }
        assertEquals(List.of(new LocalInterrupt(3, 0, 0), new LocalInterrupt(1, 0xff, 1)), table.localInterrupts(),
                "LINT0 ExtINT to the BSP, LINT1 NMI to all");
    }

    @Test
    void theLargestConfigurationStillFitsBelowOneMiB() {
        MpTable.write(memory, BootConfig.MAX_VCPUS);
        Parsed table = parse();
        assertEquals(BootConfig.MAX_VCPUS, table.processors().size());
        assertTrue(MemoryLayout.MP_TABLE_ADDRESS + MpTable.size(BootConfig.MAX_VCPUS) <= MemoryLayout.HIGH_MEMORY_START);
    }

    @Test
    void rejectsImpossibleVcpuCounts() {
        assertThrows(IllegalArgumentException.class, () -> MpTable.build(0));
        assertThrows(IllegalArgumentException.class, () -> MpTable.build(BootConfig.MAX_VCPUS + 1));
    }
}
