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

class BzImageLoaderTest {
    private static final long RAM = 32L << 20;

    @TempDir
    Path dir;

    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(RAM));

    @AfterEach
    void close() {
        memory.close();
    }

    private KernelImage load(TestBzImage image) throws IOException {
        return LinuxLoader.load(memory, Files.write(dir.resolve("bzImage"), image.build()));
    }

    private void assertRejected(TestBzImage image, String... fragments) throws IOException {
        Path file = Files.write(dir.resolve("bzImage"), image.build());
        var e = assertThrows(InvalidKernelException.class, () -> LinuxLoader.load(memory, file));
        assertTrue(e.getMessage().startsWith("kernel " + file + ": "), e.getMessage());
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "'" + e.getMessage() + "' lacks '" + fragment + "'");
        }
    }

    private byte[] guestBytes(long gpa, int length) {
        byte[] bytes = new byte[length];
        memory.read(gpa, bytes, 0, length);
        return bytes;
    }

    @Test
    void loadsTheProtectedModePayloadAtOneMiBAndEntersAt0x200() throws IOException {
        TestBzImage image = new TestBzImage();

        KernelImage kernel = load(image);

        assertEquals(KernelImage.Format.BZIMAGE, kernel.format());
        assertEquals(0x10_0000, kernel.loadAddress());
        assertEquals(0x10_0200, kernel.entryPoint());
        assertArrayEquals(image.payload, guestBytes(0x10_0000, image.payload.length));
        // Relocatable: runs at max(1 MiB aligned up to kernel_alignment, pref_address) = 16 MiB, for init_size bytes.
        assertEquals(0x100_0000 + 0x10_0000, kernel.endAddress());
    }

    @Test
    void parsesTheSetupHeaderFields() throws IOException {
        TestBzImage image = new TestBzImage();
        image.cmdlineSize = 1000;
        image.initrdAddrMax = 0x37ff_ffff;

        SetupHeader header = load(image).setupHeader();

        assertEquals(0x020f, header.version());
        assertEquals(4, header.setupSects());
        assertEquals(0x300, header.syssize());
        assertTrue(header.relocatable());
        assertTrue(header.hasKernel64Entry());
        assertEquals(0x20_0000, header.kernelAlignment());
        assertEquals(1000, header.cmdlineSize());
        assertEquals(0x37ff_ffff, header.initrdAddrMax());
        assertEquals(0x100_0000, header.prefAddress());
        assertEquals(0x10_0000, header.initSize());
    }

    @Test
    void keepsTheImagesHeaderBytesForTheZeroPageUpToTheHeaderEnd() throws IOException {
        TestBzImage image = new TestBzImage();
        byte[] file = image.build();

        byte[] header = load(image).setupHeader().bytes();

        int used = image.headerEnd - SetupHeader.START;
        byte[] expected = java.util.Arrays.copyOfRange(file, SetupHeader.START, image.headerEnd);
        assertArrayEquals(expected, java.util.Arrays.copyOf(header, used));
        for (int i = used; i < header.length; i++) {
            assertEquals(0, header[i], "byte past the header end at 0x" + Integer.toHexString(SetupHeader.START + i));
        }
    }

    @Test
    void setupSectsZeroMeansFour() throws IOException {
        TestBzImage image = new TestBzImage();
        image.setupSects = 0;

        KernelImage kernel = load(image);

        assertEquals(4, kernel.setupHeader().setupSects());
        // The payload was taken from offset (4 + 1) * 512, not 512.
        assertArrayEquals(image.payload, guestBytes(0x10_0000, image.payload.length));
    }

    @Test
    void honoursALargerSetupSectorCount() throws IOException {
        TestBzImage image = new TestBzImage();
        image.setupSects = 30;
        load(image);
        assertArrayEquals(image.payload, guestBytes(0x10_0000, image.payload.length));
    }

    @Test
    void loadsANonRelocatableKernelAtItsPreferredAddress() throws IOException {
        TestBzImage image = new TestBzImage();
        image.relocatable = false;
        image.prefAddress = 0x40_0000;

        KernelImage kernel = load(image);

        assertEquals(0x40_0000, kernel.loadAddress());
        assertEquals(0x40_0200, kernel.entryPoint());
        assertArrayEquals(image.payload, guestBytes(0x40_0000, image.payload.length));
        assertEquals(0, memory.readLong(0x10_0000), "nothing is loaded at 1 MiB");
    }

    @Test
    void rejectsANonRelocatableKernelWhosePreferredAddressIsUnusable() throws IOException {
        TestBzImage image = new TestBzImage();
        image.relocatable = false;
        image.prefAddress = 0x9_0000;
        assertRejected(image, "pref_address 0x90000", "not relocatable");
    }

    @Test
    void rejectsMissingHdrSMagic() throws IOException {
        TestBzImage image = new TestBzImage();
        image.headerMagic = 0;
        assertRejected(image, "no \"HdrS\" magic at 0x202");
    }

    @Test
    void rejectsMissingBootFlag() throws IOException {
        TestBzImage image = new TestBzImage();
        image.bootFlag = 0x1234;
        assertRejected(image, "boot_flag 0x1234");
    }

    @Test
    void rejectsProtocolsOlderThan2_06() throws IOException {
        TestBzImage image = new TestBzImage();
        image.version = 0x0205;
        assertRejected(image, "boot protocol 2.05", "2.06");
    }

    @Test
    void rejectsKernelsWithoutA64BitEntry() throws IOException {
        TestBzImage image = new TestBzImage();
        image.xloadflags = 0x02;
        assertRejected(image, "xloadflags 0x2", "XLF_KERNEL_64");
    }

    @Test
    void rejectsZImages() throws IOException {
        TestBzImage image = new TestBzImage();
        image.loadflags = 0;
        assertRejected(image, "LOADED_HIGH");
    }

    @Test
    void rejectsAHeaderTooShortToHoldInitSize() throws IOException {
        TestBzImage image = new TestBzImage();
        image.headerEnd = 0x240;
        assertRejected(image, "setup header ends at 0x240");
    }

    @Test
    void rejectsAnAbsurdKernelAlignment() throws IOException {
        TestBzImage image = new TestBzImage();
        image.kernelAlignment = 0x3000;
        assertRejected(image, "kernel_alignment 0x3000");
    }

    @Test
    void rejectsSetupSectorsThatSwallowTheWholeFile() throws IOException {
        TestBzImage image = new TestBzImage();
        image.payload = new byte[0];
        assertRejected(image, "leaves no protected-mode kernel");
    }

    @Test
    void rejectsASyssizeBiggerThanThePayload() throws IOException {
        TestBzImage image = new TestBzImage();
        image.syssize = 0x400; // 0x4000 bytes claimed, 0x3000 present
        assertRejected(image, "syssize 0x400");
    }

    @Test
    void rejectsAKernelWhoseInitSizeDoesNotFitInRam() throws IOException {
        TestBzImage image = new TestBzImage();
        image.initSize = 0x200_0000; // 32 MiB from 16 MiB in a 32 MiB guest
        assertRejected(image, "init_size 0x2000000", "give the guest more memory");
    }

    @Test
    void rejectsAFileTooSmallToHoldAHeader() throws IOException {
        Path file = Files.write(dir.resolve("tiny"), new byte[100]);
        var e = assertThrows(InvalidKernelException.class, () -> LinuxLoader.load(memory, file));
        assertTrue(e.getMessage().contains("file of 100 bytes is too small"), e.getMessage());
    }

    @Test
    void reportsAMissingFileWithItsPath() {
        Path missing = dir.resolve("no-such-kernel");
        var e = assertThrows(java.io.UncheckedIOException.class, () -> LinuxLoader.load(memory, missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
