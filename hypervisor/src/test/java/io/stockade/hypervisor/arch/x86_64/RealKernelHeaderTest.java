package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Parses and loads a real distribution bzImage, if this machine has one: {@code /boot/vmlinuz-*}, or a Debian kernel
 * package unpacked under {@code ~/.cache/stockade}. Skipped (with the reason) otherwise.
 */
class RealKernelHeaderTest {
    private static Optional<Path> findKernel() {
        Path home = Path.of(System.getProperty("user.home"), ".cache", "stockade");
        return Stream.of(Path.of("/boot"), home)
                .filter(Files::isDirectory)
                .flatMap(RealKernelHeaderTest::candidates)
                .findFirst();
    }

    private static Stream<Path> candidates(Path dir) {
        try (Stream<Path> files = Files.find(dir, 8, (path, attributes) -> attributes.isRegularFile()
                && path.getFileName().toString().startsWith("vmlinuz-") && Files.isReadable(path))) {
            return files.sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void parsesAndLoadsADistributionBzImage() throws IOException {
        Optional<Path> found = findKernel();
        assumeTrue(found.isPresent(), "no /boot/vmlinuz-* and no unpacked kernel under ~/.cache/stockade");
        Path kernel = found.get();

        SetupHeader header;
        try (BootFile file = BootFile.openKernel(kernel)) {
            header = BzImageLoader.parseHeader(file);
        }
        assertTrue(header.version() >= 0x020c, "protocol " + Integer.toHexString(header.version()));
        assertTrue(header.hasKernel64Entry());
        assertTrue(header.relocatable());
        assertEquals(1, Long.bitCount(header.kernelAlignment()));
        assertTrue(header.cmdlineSize() >= 255);
        assertTrue(header.initSize() > 0);

        long ram = Math.max(256L << 20, (header.prefAddress() + header.initSize() + (64L << 20)) & -4096L);
        try (GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(ram))) {
            KernelImage image = LinuxLoader.load(memory, kernel);
            assertEquals(0x10_0200, image.entryPoint());
            int setupBytes = (header.setupSects() + 1) * 512;
            byte[] expected = new byte[4096];
            try (var in = Files.newInputStream(kernel)) {
                in.skipNBytes(setupBytes);
                in.readNBytes(expected, 0, expected.length);
            }
            byte[] loaded = new byte[4096];
            memory.read(0x10_0000, loaded, 0, loaded.length);
            assertArrayEquals(expected, loaded);
        }
    }
}
