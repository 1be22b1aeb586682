package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfLoaderTest {
    private static final long RAM = 32L << 20;

    @TempDir
    Path dir;

    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(RAM));

    @AfterEach
    void close() {
        memory.close();
    }

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("vmlinux"), bytes);
    }

    private InvalidKernelException rejected(TestElf elf) throws IOException {
        Path file = write(elf.build());
        InvalidKernelException e = assertThrows(InvalidKernelException.class, () -> LinuxLoader.load(memory, file));
        assertTrue(e.getMessage().startsWith("kernel " + file + ": "), e.getMessage());
        assertEquals(file, e.kernel());
        return e;
    }

    private static void assertMentions(Exception e, String... fragments) {
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    @Test
    void loadsEachSegmentAtItsPhysicalAddressAndZeroesItsBss() throws IOException {
        byte[] text = TestBzImage.pattern(0x1800, 1);
        byte[] data = TestBzImage.pattern(0x200, 2);
        memory.write(0x20_0200, new byte[] {9, 9, 9, 9}); // stale bytes where the bss goes
        TestElf elf = new TestElf().load(0x10_0000, text, 0).load(0x20_0000, data, 0x1000);
        elf.entry = 0x10_0040;

        KernelImage kernel = LinuxLoader.load(memory, write(elf.build()));

        byte[] loadedText = new byte[text.length];
        memory.read(0x10_0000, loadedText, 0, text.length);
        assertArrayEquals(text, loadedText);
        byte[] loadedData = new byte[data.length];
        memory.read(0x20_0000, loadedData, 0, data.length);
        assertArrayEquals(data, loadedData);
        assertEquals(0, memory.readInt(0x20_0200), "bss must be zeroed");
        assertEquals(KernelImage.Format.ELF_VMLINUX, kernel.format());
        assertEquals(0x10_0040, kernel.entryPoint());
        assertEquals(0x10_0000, kernel.loadAddress());
        assertEquals(0x20_1200, kernel.endAddress());
    }

    @Test
    void synthesizesTheSetupHeaderAnElfKernelLacks() throws IOException {
        KernelImage kernel = LinuxLoader.load(memory, write(new TestElf().load(0x10_0000, new byte[64], 0).build()));

        SetupHeader header = kernel.setupHeader();
        assertEquals(0x100_0000, header.kernelAlignment());
        assertEquals(2047, header.cmdlineSize());
        assertEquals(0x7fff_ffff, header.initrdAddrMax());
        byte[] raw = header.bytes();
        assertEquals((byte) 0x55, raw[0x1fe - 0x1f1]);
        assertEquals((byte) 0xaa, raw[0x1ff - 0x1f1]);
        assertEquals("HdrS", new String(raw, 0x202 - 0x1f1, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals((byte) 0xff, raw[0x210 - 0x1f1]);
    }

    @Test
    void ignoresNonLoadSegments() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0)
                .segment(new TestElf.Segment(4, -1, 0, 16, 16, new byte[16])); // PT_NOTE at paddr 0: not loaded
        assertEquals(0x10_0000, LinuxLoader.load(memory, write(elf.build())).loadAddress());
    }

    @Test
    void rejectsAFileThatIsNeitherElfNorBzImage() throws IOException {
        byte[] bytes = java.util.Arrays.copyOf(new TestElf().load(0x10_0000, new byte[64], 0).build(), 4096);
        bytes[1] = 'X';
        Path file = write(bytes);
        var e = assertThrows(InvalidKernelException.class, () -> LinuxLoader.load(memory, file));
        assertMentions(e, "neither an ELF vmlinux (no \\x7fELF magic)", "no \"HdrS\" magic at 0x202, found 0x0");
    }

    @Test
    void rejects32BitElf() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.elfClass = 1;
        assertMentions(rejected(elf), "EI_CLASS", "64-bit");
    }

    @Test
    void rejectsBigEndianElf() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.dataEncoding = 2;
        assertMentions(rejected(elf), "EI_DATA");
    }

    @Test
    void rejectsOtherMachines() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.machine = 3; // i386
        assertMentions(rejected(elf), "e_machine 3", "x86-64");
    }

    @Test
    void rejectsNonExecutableTypes() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.type = 1; // relocatable object
        assertMentions(rejected(elf), "e_type 1");
    }

    @Test
    void rejectsUnexpectedProgramHeaderSize() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.phentsize = 32;
        assertMentions(rejected(elf), "e_phentsize 32");
    }

    @Test
    void rejectsProgramHeadersBeyondTheFile() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0);
        elf.phoff = 0x7fff_ffff_ffff_fff0L;
        assertMentions(rejected(elf), "e_phoff");
    }

    @Test
    void rejectsSegmentWhoseFileSizeExceedsItsMemorySize() throws IOException {
        TestElf elf = new TestElf().segment(new TestElf.Segment(1, -1, 0x10_0000, 64, 32, new byte[64]));
        assertMentions(rejected(elf), "PT_LOAD segment 0", "p_filesz 0x40 larger than p_memsz 0x20");
    }

    @Test
    void rejectsSegmentOutsideRam() throws IOException {
        TestElf elf = new TestElf().segment(new TestElf.Segment(1, -1, RAM - 0x1000, 64, 0x2000, new byte[64]));
        elf.entry = RAM - 0x1000;
        assertMentions(rejected(elf), "PT_LOAD segment 0", "does not fit in guest RAM");
    }

    @Test
    void rejectsSegmentOverTheBootStructuresBelowOneMiB() throws IOException {
        TestElf elf = new TestElf().load(MemoryLayout.ZERO_PAGE_ADDRESS, new byte[64], 0);
        elf.entry = MemoryLayout.ZERO_PAGE_ADDRESS;
        assertMentions(rejected(elf), "p_paddr 0x7000", "below 1 MiB");
    }

    @Test
    void rejectsSegmentWhoseFileRangeOverflows() throws IOException {
        TestElf elf = new TestElf().segment(new TestElf.Segment(1, 0x7fff_ffff_ffff_ff00L, 0x10_0000, 0x200, 0x200,
                new byte[0]));
        assertMentions(rejected(elf), "extends beyond the end of the");
    }

    @Test
    void rejectsSizesWithTheTopBitSet() throws IOException {
        TestElf elf = new TestElf().segment(new TestElf.Segment(1, -1, 0x10_0000, 64, 0x8000_0000_0000_0040L,
                new byte[64]));
        assertMentions(rejected(elf), "beyond 2^63", "p_memsz 0x8000000000000040");
    }

    @Test
    void rejectsOverlappingSegments() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[0x2000], 0).load(0x10_1000, new byte[0x100], 0);
        assertMentions(rejected(elf), "segments 0 and 1 overlap at 0x101000");
    }

    @Test
    void rejectsEntryOutsideTheLoadedCode() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, new byte[64], 0x1000);
        elf.entry = 0x10_0100; // in the bss: nothing to execute there
        assertMentions(rejected(elf), "e_entry 0x100100");
    }

    @Test
    void rejectsElfWithoutLoadableSegments() throws IOException {
        TestElf elf = new TestElf().segment(new TestElf.Segment(4, -1, 0, 16, 16, new byte[16]));
        assertMentions(rejected(elf), "no non-empty PT_LOAD");
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        Path file = write(java.util.Arrays.copyOf(new TestElf().load(0x10_0000, new byte[64], 0).build(), 40));
        var e = assertThrows(InvalidKernelException.class, () -> LinuxLoader.load(memory, file));
        assertMentions(e, "ELF header", "beyond the end of the 40-byte file");
    }

    @Test
    void leavesGuestMemoryUntouchedWhenRejecting() throws IOException {
        TestElf elf = new TestElf().load(0x10_0000, TestBzImage.pattern(64, 3), 0)
                .segment(new TestElf.Segment(1, -1, 0x20_0000, 64, 32, new byte[64]));
        rejected(elf);
        assertEquals(0, memory.readLong(0x10_0000));
    }
}
