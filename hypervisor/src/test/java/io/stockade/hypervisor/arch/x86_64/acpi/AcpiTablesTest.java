package io.stockade.hypervisor.arch.x86_64.acpi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.arch.x86_64.BootConfig;
import io.stockade.hypervisor.arch.x86_64.MemoryLayout;
import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The tables as a kernel reads them back from guest memory, starting at the RSDP. */
class AcpiTablesTest {
    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(MemoryLayout.MIN_RAM_BYTES));

    @AfterEach
    void close() {
        memory.close();
    }

    /** One table: where it is and its bytes, with signature, length and checksum already verified. */
    record Table(long address, ByteBuffer bytes) {
        String signature() {
            return ascii(bytes, 0, 4);
        }
    }

    private static String ascii(ByteBuffer b, int offset, int length) {
        byte[] s = new byte[length];
        b.get(offset, s);
        return new String(s, StandardCharsets.US_ASCII);
    }

    private static int sum(ByteBuffer b, int length) {
        int sum = 0;
        for (int i = 0; i < length; i++) {
            sum += b.get(i);
        }
        return sum & 0xff;
    }

    private ByteBuffer read(long address, int length) {
        byte[] bytes = new byte[length];
        memory.read(address, bytes, 0, length);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Table table(long address, String signature) {
        int length = memory.readInt(address + 4);
        ByteBuffer b = read(address, length);
        assertEquals(signature, ascii(b, 0, 4), "signature at 0x" + Long.toHexString(address));
        assertEquals(0, sum(b, length), signature + " checksum");
        assertEquals("STOCKD", ascii(b, 10, 6), signature + " OEM id");
        assertTrue(address >= MemoryLayout.ACPI_RSDP_ADDRESS && address + length <= MemoryLayout.ACPI_AREA_END,
                signature + " inside the ACPI area");
        return new Table(address, b);
    }

    private List<Table> xsdtEntries(long rsdpAddress) {
        ByteBuffer rsdp = read(rsdpAddress, 36);
        assertEquals("RSD PTR ", ascii(rsdp, 0, 8));
        assertEquals(0, sum(rsdp, 20), "ACPI 1.0 checksum over the first 20 bytes");
        assertEquals(0, sum(rsdp, 36), "extended checksum over all 36 bytes");
        assertEquals(2, rsdp.get(15), "revision 2 (ACPI 2.0+)");
        assertEquals(36, rsdp.getInt(20), "length");
        assertEquals(0, rsdp.getInt(16), "no RSDT");
        Table xsdt = table(rsdp.getLong(24), "XSDT");
        List<Table> entries = new ArrayList<>();
        for (int at = 36; at < xsdt.bytes().capacity(); at += 8) {
            long address = xsdt.bytes().getLong(at);
            entries.add(table(address, ascii(read(address, 4), 0, 4)));
        }
        return entries;
    }

    @Test
    void theRsdpLeadsThroughTheXsdtToTheFadtAndMadt() {
        long rsdp = AcpiTables.write(memory, 2, List.of());

        assertEquals(MemoryLayout.ACPI_RSDP_ADDRESS, rsdp);
        List<Table> tables = xsdtEntries(rsdp);
        assertEquals(List.of("FACP", "APIC"), tables.stream().map(Table::signature).toList());
    }

    @Test
    void theFadtIsHardwareReducedWithTheSleepRegistersAndTheDsdt() {
        Table fadt = xsdtEntries(AcpiTables.write(memory, 1, List.of())).getFirst();
        ByteBuffer f = fadt.bytes();

        assertEquals(276, f.capacity(), "ACPI 6.5 FADT length");
        assertEquals(6, f.get(8), "revision");
        assertEquals(5, f.get(131), "minor version");
        int flags = f.getInt(112);
        assertEquals(1 << 20, flags & (1 << 20), "HW_REDUCED_ACPI");
        assertEquals(0x30, flags & 0x30, "no fixed power/sleep button");
        int bootArch = f.getShort(109);
        assertEquals(0x2, bootArch & 0x2, "8042 present");
        assertEquals(0x4, bootArch & 0x4, "no VGA");
        assertEquals(0, f.getInt(36), "no FACS");
        assertEquals(0, f.getLong(132), "no X_FIRMWARE_CTRL");
        assertEquals(0, f.getInt(40), "32-bit DSDT unused");
        assertEquals(0, f.getShort(46), "no SCI");

        assertGas(f, 244, AcpiSleepControl.CONTROL_PORT, "SLEEP_CONTROL_REG");
        assertGas(f, 256, AcpiSleepControl.STATUS_PORT, "SLEEP_STATUS_REG");
        assertEquals("STOCKADE", ascii(f, 268, 8), "hypervisor vendor identity");
        for (int gas = 148; gas < 244; gas++) {
            assertEquals(0, f.get(gas), "X_PM1a..X_GPE1 blocks are absent (byte " + gas + ")");
        }

        Table dsdt = table(f.getLong(140), "DSDT");
        assertEquals(2, dsdt.bytes().get(8), "DSDT revision 2: 64-bit integers");
    }

    private static void assertGas(ByteBuffer f, int offset, int port, String what) {
        assertEquals(1, f.get(offset), what + ": System I/O space");
        assertEquals(8, f.get(offset + 1), what + ": 8 bits wide");
        assertEquals(0, f.get(offset + 2), what + ": bit offset");
        assertEquals(1, f.get(offset + 3), what + ": byte access");
        assertEquals(port, f.getLong(offset + 4), what + ": port");
    }

    @Test
    void sleepPortsAvoidThePortsOfOtherPlatformDevices() {
        int[][] taken = {{0x3f8, 8}, {0x60, 5}, {0x70, 2}, {0x80, 1}, {0x440, 1}, {0xcf8, 8}};
        for (int[] range : taken) {
            assertTrue(AcpiSleepControl.CONTROL_PORT + AcpiSleepControl.PORT_COUNT <= range[0]
                    || AcpiSleepControl.CONTROL_PORT >= range[0] + range[1],
                    "sleep ports overlap 0x" + Integer.toHexString(range[0]));
        }
        assertEquals(AcpiSleepControl.CONTROL_PORT + 1, AcpiSleepControl.STATUS_PORT);
    }

    record LocalApic(int processorUid, int apicId, int flags) {}

    @Test
    void theMadtListsEveryCpuTheIoApicAndLint1AsNmi() {
        int vcpus = 3;
        Table madt = xsdtEntries(AcpiTables.write(memory, vcpus, List.of())).get(1);
        ByteBuffer m = madt.bytes();

        assertEquals(0xFEE0_0000, m.getInt(36), "local APIC address");
        assertEquals(1, m.getInt(40) & 1, "PCAT_COMPAT: the in-kernel irqchip has an 8259 pair");
        List<LocalApic> cpus = new ArrayList<>();
        int ioApics = 0;
        int overrides = 0;
        int nmis = 0;
        for (int at = 44; at < m.capacity(); ) {
            int type = m.get(at) & 0xff;
            int length = m.get(at + 1) & 0xff;
            assertTrue(length >= 2 && at + length <= m.capacity(), "entry at " + at + " fits the table");
            switch (type) {
                case 0 -> {
                    assertEquals(8, length);
                    cpus.add(new LocalApic(m.get(at + 2) & 0xff, m.get(at + 3) & 0xff, m.getInt(at + 4)));
                }
                case 1 -> {
                    assertEquals(12, length);
                    ioApics++;
                    assertEquals(vcpus, m.get(at + 2), "I/O APIC id follows the CPUs' ids, as in the MP table");
                    assertEquals(0xFEC0_0000, m.getInt(at + 4), "I/O APIC address");
                    assertEquals(0, m.getInt(at + 8), "GSI base");
                }
                case 2 -> overrides++;
                case 4 -> {
                    assertEquals(6, length);
                    nmis++;
                    assertEquals(0xff, m.get(at + 2) & 0xff, "all processors");
                    assertEquals(1, m.get(at + 5), "LINT1");
                }
                default -> throw new AssertionError("unexpected MADT entry type " + type);
            }
            at += length;
        }
        assertEquals(List.of(new LocalApic(0, 0, 1), new LocalApic(1, 1, 1), new LocalApic(2, 2, 1)), cpus);
        assertEquals(1, ioApics);
        assertEquals(0, overrides, "ISA IRQ n = GSI n, as the MP table and KVM's default routing have it");
        assertEquals(1, nmis);
    }

    @Test
    void theDsdtHoldsS5TheLegacyDevicesAndTheVirtioDevices() {
        var virtio = List.of(new VirtioMmioDevice(0xd000_0000L, 0x1000, 5),
                new VirtioMmioDevice(0xd000_1000L, 0x1000, 6));
        Table fadt = xsdtEntries(AcpiTables.write(memory, 1, virtio)).getFirst();
        Table dsdt = table(fadt.bytes().getLong(140), "DSDT");
        String aml = HexFormat.of().formatHex(dsdt.bytes().array(), 36, dsdt.bytes().capacity());

        assertTrue(aml.startsWith(HexFormat.of().formatHex(Dsdt.sleepStateS5())), "\\_S5_ first: " + aml);
        assertTrue(aml.contains("0c41d00501"), "EISAID(PNP0501) for COM1");
        assertTrue(aml.contains("0c41d00303"), "EISAID(PNP0303) for the i8042");
        assertTrue(aml.contains("4701f803f8030108" + "221000"), "COM1 at 0x3f8, 8 ports, IRQ 4");
        assertTrue(aml.contains("4701600060000101" + "4701640064000101" + "220200"), "i8042 ports and IRQ 1");
        assertTrue(aml.contains(hex("LNRO0005".getBytes(StandardCharsets.US_ASCII))));
        for (VirtioMmioDevice d : virtio) {
            assertTrue(aml.contains(hex(Aml.memory32Fixed(d.address(), d.size())) + hex(Aml.extendedInterrupt(d.gsi()))
                    + "7900"), "window 0x" + Long.toHexString(d.address()) + " with GSI " + d.gsi());
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, BootConfig.MAX_VCPUS + 1})
    void rejectsVcpuCountsTheTablesCannotDescribe(int vcpus) {
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, vcpus, List.of()));
    }

    @Test
    void theMostVcpusAndManyVirtioDevicesFitTheArea() {
        var virtio = new ArrayList<VirtioMmioDevice>();
        for (int i = 0; i < 64; i++) {
            virtio.add(new VirtioMmioDevice(MemoryLayout.virtioMmioAddress(i), 0x1000, 5 + i % 19));
        }
        long rsdp = AcpiTables.write(memory, BootConfig.MAX_VCPUS, virtio);
        assertEquals(BootConfig.MAX_VCPUS + 2, countMadtEntries(xsdtEntries(rsdp).get(1)));
    }

    @Test
    void tooManyVirtioDevicesForTheAreaAreRefusedNamingTheNeed() {
        var virtio = new ArrayList<VirtioMmioDevice>();
        for (int i = 0; i < Dsdt.MAX_VIRTIO_DEVICES; i++) {
            virtio.add(new VirtioMmioDevice(MemoryLayout.virtioMmioAddress(i), 0x1000, 5));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 1, virtio));
        assertTrue(e.getMessage().contains("beyond the ACPI area"), e.getMessage());
        virtio.add(new VirtioMmioDevice(0xd000_0000L, 0x1000, 5));
        assertThrows(IllegalArgumentException.class, () -> AcpiTables.write(memory, 1, virtio));
    }

    @Test
    void virtioDevicesMustLieBelow4GiB() {
        assertThrows(IllegalArgumentException.class, () -> new VirtioMmioDevice(0xffff_f000L, 0x2000, 5));
        assertThrows(IllegalArgumentException.class, () -> new VirtioMmioDevice(0xd000_0000L, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new VirtioMmioDevice(0xd000_0000L, 0x1000, -1));
    }

    private static int countMadtEntries(Table madt) {
        int count = 0;
        for (int at = 44; at < madt.bytes().capacity(); at += madt.bytes().get(at + 1) & 0xff) {
            count++;
        }
        return count;
    }
}
