package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.kvm.Registers;
import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootSetupTest {
    private static final long RAM = 64L << 20;
    private static final long ELF_ENTRY = 0x100_0000;

    @TempDir
    Path dir;

    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(RAM));

    @AfterEach
    void close() {
        memory.close();
    }

    private Path elfKernel() throws IOException {
        TestElf elf = new TestElf().load(ELF_ENTRY, TestBzImage.pattern(0x2000, 5), 0x3000);
        elf.entry = ELF_ENTRY;
        return Files.write(dir.resolve("vmlinux"), elf.build());
    }

    private Path file(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private BootConfig config(Path kernel, Optional<Path> initrd, String cmdline) {
        return new BootConfig(kernel, initrd, cmdline, 2, RAM);
    }

    private String cmdlineInGuest() {
        StringBuilder s = new StringBuilder();
        for (long gpa = MemoryLayout.CMDLINE_ADDRESS; memory.readByte(gpa) != 0; gpa++) {
            s.append((char) memory.readByte(gpa));
        }
        return s.toString();
    }

    private long zeroPageInt(int offset) {
        return Integer.toUnsignedLong(memory.readInt(MemoryLayout.ZERO_PAGE_ADDRESS + offset));
    }

    @Test
    void bootRegistersEnterTheKernelWithTheZeroPageInRsi() throws IOException {
        BootState state = BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), "console=ttyS0"));

        Registers r = state.bootRegisters();
        assertEquals(ELF_ENTRY, r.rip());
        assertEquals(0x7000, r.rsi());
        assertEquals(MemoryLayout.BOOT_STACK_POINTER, r.rsp());
        assertEquals(MemoryLayout.BOOT_STACK_POINTER, r.rbp());
        assertEquals(0x2, r.rflags());
        assertEquals(0, r.rax() | r.rbx() | r.rcx() | r.rdx() | r.rdi() | r.r8() | r.r15());
        assertEquals(0x9000, state.pageTableRoot());
        assertEquals(0x500, state.gdtBase());
        assertEquals(31, state.gdtLimit());
        assertEquals(0x520, state.idtBase());
        assertEquals(7, state.idtLimit());
        assertEquals(0x7000, state.zeroPageAddress());
        assertEquals(KernelImage.Format.ELF_VMLINUX, state.kernel().format());
    }

    @Test
    void writesTheCommandLineAndPointsTheZeroPageAtIt() throws IOException {
        BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), "console=ttyS0 reboot=k panic=1"));

        assertEquals("console=ttyS0 reboot=k panic=1", cmdlineInGuest());
        assertEquals(0x20000, zeroPageInt(0x228), "cmd_line_ptr");
        assertEquals(0, zeroPageInt(0x0c8), "ext_cmd_line_ptr");
    }

    @Test
    void zeroPageCarriesTheSetupHeaderWithOurLoaderType() throws IOException {
        BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), ""));

        long zp = MemoryLayout.ZERO_PAGE_ADDRESS;
        assertEquals((short) 0xaa55, memory.readShort(zp + 0x1fe), "boot_flag");
        assertEquals(0x5372_6448, memory.readInt(zp + 0x202), "header");
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader");
        assertEquals(0x100_0000, zeroPageInt(0x230), "kernel_alignment");
        assertEquals(0, zeroPageInt(0x218), "ramdisk_image without initrd");
        assertEquals(0, zeroPageInt(0x21c), "ramdisk_size without initrd");
    }

    @Test
    void writesTheAcpiTablesInsideReservedMemoryAndPointsTheZeroPageAtTheRsdp() throws IOException {
        BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), ""));

        assertEquals(MemoryLayout.ACPI_RSDP_ADDRESS, memory.readLong(MemoryLayout.ZERO_PAGE_ADDRESS + 0x070),
                "acpi_rsdp_addr");
        byte[] signature = new byte[8];
        memory.read(MemoryLayout.ACPI_RSDP_ADDRESS, signature, 0, 8);
        assertEquals("RSD PTR ", new String(signature, StandardCharsets.US_ASCII));
        // Linux scans [0xE0000, 0x100000) on 16-byte boundaries when it has no acpi_rsdp_addr.
        assertEquals(0, MemoryLayout.ACPI_RSDP_ADDRESS % 16);
        assertTrue(MemoryLayout.ACPI_RSDP_ADDRESS >= 0xE0000 && MemoryLayout.ACPI_AREA_END <= 0x100000);
        boolean reserved = E820Entry.mapOf(memory.regions()).stream().anyMatch(e -> e.type() == E820Entry.RESERVED
                && e.address() <= MemoryLayout.ACPI_RSDP_ADDRESS
                && e.address() + e.size() >= MemoryLayout.ACPI_AREA_END);
        assertTrue(reserved, "one reserved e820 entry covers the whole ACPI area");
    }

    @Test
    void theMpTableForTheMostVcpusEndsBelowTheAcpiArea() {
        assertTrue(MemoryLayout.MP_TABLE_ADDRESS + MpTable.size(BootConfig.MAX_VCPUS)
                <= MemoryLayout.ACPI_RSDP_ADDRESS);
    }

    @Test
    void zeroPageHoldsTheE820Map() throws IOException {
        BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), ""));

        long zp = MemoryLayout.ZERO_PAGE_ADDRESS;
        assertEquals(3, memory.readByte(zp + 0x1e8), "e820_entries");
        long[][] expected = {
                {0, 0x9fc00, 1},
                {0x9fc00, 0x100000 - 0x9fc00, 2},
                {0x100000, RAM - 0x100000, 1},
        };
        for (int i = 0; i < expected.length; i++) {
            long at = zp + 0x2d0 + i * 20L;
            assertEquals(expected[i][0], memory.readLong(at), "e820[" + i + "].addr");
            assertEquals(expected[i][1], memory.readLong(at + 8), "e820[" + i + "].size");
            assertEquals(expected[i][2], memory.readInt(at + 16), "e820[" + i + "].type");
        }
        assertEquals(0, memory.readLong(zp + 0x2d0 + 3 * 20L), "no fourth entry");
    }

    @Test
    void loadsTheInitrdAtTheTopOfLowRamAndRecordsItInTheZeroPage() throws IOException {
        byte[] initrd = TestBzImage.pattern(0x1801, 9);

        BootSetup.prepare(memory, config(elfKernel(), Optional.of(file("initrd", initrd)), ""));

        long address = zeroPageInt(0x218);
        assertEquals(RAM - 0x2000, address, "page-aligned, as high as it fits");
        assertEquals(initrd.length, zeroPageInt(0x21c), "ramdisk_size");
        assertEquals(0, zeroPageInt(0x0c0), "ext_ramdisk_image");
        byte[] loaded = new byte[initrd.length];
        memory.read(address, loaded, 0, loaded.length);
        assertArrayEquals(initrd, loaded);
    }

    @Test
    void rejectsAnInitrdThatDoesNotFitAboveTheKernel() throws IOException {
        Path initrd = file("big-initrd", new byte[(int) (RAM - ELF_ENTRY)]);

        var e = assertThrows(BootSetupException.class,
                () -> BootSetup.prepare(memory, config(elfKernel(), Optional.of(initrd), "")));
        assertTrue(e.getMessage().contains(initrd.toString()) && e.getMessage().contains("does not fit"),
                e.getMessage());
    }

    @Test
    void bzImageHeaderIsCopiedIntoTheZeroPage() throws IOException {
        TestBzImage image = new TestBzImage();
        image.kernelAlignment = 0x40_0000;

        BootState state = BootSetup.prepare(memory, config(file("bzImage", image.build()), Optional.empty(), "quiet"));

        long zp = MemoryLayout.ZERO_PAGE_ADDRESS;
        assertEquals(0x10_0200, state.bootRegisters().rip());
        assertEquals((short) 0x020f, memory.readShort(zp + 0x206), "version");
        assertEquals(0x40_0000, zeroPageInt(0x230), "kernel_alignment");
        assertEquals(0x10_0000, zeroPageInt(0x260), "init_size");
        assertEquals((byte) 0xff, memory.readByte(zp + 0x210), "type_of_loader replaces the image's 0");
        assertEquals(0x20000, zeroPageInt(0x228), "cmd_line_ptr");
    }

    @Test
    void initrdRespectsTheKernelsInitrdAddrMax() throws IOException {
        TestBzImage image = new TestBzImage();
        image.initrdAddrMax = 0x1ff_ffff; // 32 MiB - 1 in a 64 MiB guest

        BootSetup.prepare(memory, config(file("bzImage", image.build()), Optional.of(file("initrd", new byte[100])),
                ""));

        assertEquals(0x200_0000 - 0x1000, zeroPageInt(0x218));
    }

    @Test
    void commandLineIsLimitedByTheKernelsCmdlineSize() throws IOException {
        TestBzImage image = new TestBzImage();
        image.cmdlineSize = 10;
        Path kernel = file("bzImage", image.build());

        BootSetup.prepare(memory, config(kernel, Optional.empty(), "0123456789"));
        assertEquals("0123456789", cmdlineInGuest());
        var e = assertThrows(BootSetupException.class,
                () -> BootSetup.prepare(memory, config(kernel, Optional.empty(), "0123456789a")));
        assertTrue(e.getMessage().contains("11 bytes") && e.getMessage().contains("cmdline_size"), e.getMessage());
    }

    @Test
    void commandLineMayFillTheWholeBufferButNotOverflowIt() throws IOException {
        String longest = "x".repeat(MemoryLayout.CMDLINE_MAX_BYTES - 1);
        BootSetup.prepare(memory, config(elfKernel(), Optional.empty(), longest));
        assertEquals(longest, cmdlineInGuest());

        var e = assertThrows(BootSetupException.class, () -> config(elfKernel(), Optional.empty(), longest + "x"));
        assertTrue(e.getMessage().contains("2048 bytes; at most 2047"), e.getMessage());
    }

    @Test
    void commandLineLengthCountsUtf8Bytes() {
        String wide = "é".repeat(1024); // 2048 bytes
        var e = assertThrows(BootSetupException.class, () -> config(dir.resolve("k"), Optional.empty(), wide));
        assertTrue(e.getMessage().contains("2048 bytes"), e.getMessage());
    }

    @Test
    void commandLineMustNotContainNul() {
        var e = assertThrows(BootSetupException.class,
                () -> config(dir.resolve("k"), Optional.empty(), "a\0b"));
        assertTrue(e.getMessage().contains("NUL character at index 1"), e.getMessage());
    }

    @Test
    void writesTheMpTableForTheConfiguredVcpus() throws IOException {
        BootSetup.prepare(memory, new BootConfig(elfKernel(), Optional.empty(), "", 3, RAM));

        byte[] signature = new byte[4];
        memory.read(MemoryLayout.MP_TABLE_ADDRESS, signature, 0, 4);
        assertEquals("_MP_", new String(signature, StandardCharsets.US_ASCII));
        // entry count: 3 CPUs + bus + IOAPIC + 24 pins + 2 LINTs
        assertEquals(3 + 2 + 24 + 2, memory.readShort(MemoryLayout.MP_TABLE_ADDRESS + 16 + 34));
    }

    @Test
    void rejectsMemoryNotLaidOutForTheConfiguredRam() throws IOException {
        Path kernel = elfKernel();
        var e = assertThrows(IllegalArgumentException.class,
                () -> BootSetup.prepare(memory, new BootConfig(kernel, Optional.empty(), "", 1, RAM * 2)));
        assertTrue(e.getMessage().contains("not the layout"), e.getMessage());
    }

    @Test
    void rejectsVcpuCountsTheMpTableCannotDescribe() {
        assertThrows(BootSetupException.class, () -> new BootConfig(dir, Optional.empty(), "", 0, RAM));
        var e = assertThrows(BootSetupException.class, () -> new BootConfig(dir, Optional.empty(), "", 255, RAM));
        assertTrue(e.getMessage().contains("vCPU count 255"), e.getMessage());
    }

    @Test
    void rejectsRamSizesTheLayoutCannotHold() {
        var e = assertThrows(BootSetupException.class,
                () -> new BootConfig(dir, Optional.empty(), "", 1, (64L << 20) + 1));
        assertTrue(e.getMessage().contains("multiple of 4096"), e.getMessage());
    }
}
