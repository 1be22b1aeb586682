package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The initramfs is checked with GNU cpio itself, the reference reader of the newc format. */
class InitramfsTest {
    @TempDir
    Path dir;

    @Test
    void gnuCpioExtractsFilesDirectoriesAndSymlinksWithTheirModes() throws Exception {
        byte[] payload = "three\nlines\nhere\n".getBytes(StandardCharsets.UTF_8);
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, Initramfs.empty()
                .file("etc/deep/config", payload, 0640)
                .file("odd", new byte[] {1, 2, 3}, 0600) // a length that needs padding
                .symlink("etc/link", "deep/config")
                .directory("empty")
                .toCpio());

        Path out = Files.createDirectory(dir.resolve("out"));
        run(out, "sh", "-c", "cpio -i -d --no-absolute-filenames --quiet < " + archive);

        assertArrayEquals(payload, Files.readAllBytes(out.resolve("etc/deep/config")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("etc/deep/config"))));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(out.resolve("odd")));
        assertEquals(Path.of("deep/config"), Files.readSymbolicLink(out.resolve("etc/link")));
        assertTrue(Files.isDirectory(out.resolve("empty"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void parentDirectoriesComeBeforeTheirEntriesAndTheArchiveEndsWithTheTrailer() throws Exception {
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, Initramfs.empty().file("a/b/c", new byte[0], 0644).toCpio());

        assertEquals(List.of("dev", "dev/console", "a", "a/b", "a/b/c"), list(archive));
        byte[] bytes = Files.readAllBytes(archive);
        assertEquals(0, bytes.length % 4, "newc archives are 4-byte aligned");
        assertTrue(new String(bytes, StandardCharsets.US_ASCII).contains("TRAILER!!!"));
    }

    @Test
    void consoleDeviceIsACharacterDeviceFiveOne() throws Exception {
        Path archive = dir.resolve("a.cpio");
        Files.write(archive, Initramfs.empty().toCpio());

        String listing = run(dir, "sh", "-c", "cpio -t -v --quiet < " + archive);
        String console = listing.lines().filter(l -> l.endsWith(" dev/console")).findFirst().orElseThrow();
        assertTrue(console.matches("crw------- .* 5,\\s+1 .*"), console);
    }

    @Test
    void busyboxArchiveHasAnExecutableInitAndAppletLinks() throws Exception {
        Path initrd = Initramfs.withBusybox().init("#!/bin/sh\necho hi\n").writeGzip(dir.resolve("initrd.cpio.gz"));

        Path out = Files.createDirectory(dir.resolve("out"));
        run(out, "sh", "-c", "gzip -dc " + initrd + " | cpio -i -d --no-absolute-filenames --quiet"
                + " init bin/busybox bin/sh sbin/poweroff proc");
        assertTrue(Files.isExecutable(out.resolve("init")));
        assertEquals(Path.of("/bin/busybox"), Files.readSymbolicLink(out.resolve("bin/sh")));
        assertEquals(Path.of("/bin/busybox"), Files.readSymbolicLink(out.resolve("sbin/poweroff")));
        assertArrayEquals(Files.readAllBytes(Initramfs.HOST_BUSYBOX), Files.readAllBytes(out.resolve("bin/busybox")));
        assertTrue(Files.isDirectory(out.resolve("proc")));
    }

    @Test
    void aDynamicallyLinkedBusyboxIsRefusedWithAHint() {
        var e = assertThrows(IllegalStateException.class, () -> Initramfs.withBusybox(Path.of("/bin/ls")));
        assertTrue(e.getMessage().contains("dynamically linked") && e.getMessage().contains("busybox-static"),
                e.getMessage());
    }

    @Test
    void somethingThatIsNotAnElfIsRefused() throws IOException {
        Path script = Files.writeString(dir.resolve("busybox"), "#!/bin/sh\n");
        var e = assertThrows(IllegalStateException.class, () -> Initramfs.withBusybox(script));
        assertTrue(e.getMessage().contains("not a 64-bit little-endian ELF"), e.getMessage());
    }

    @Test
    void pathsMustStayInsideTheArchive() {
        Initramfs archive = Initramfs.empty();
        for (String bad : List.of("/etc/passwd", "../escape", "a/../../b", "a//b", "trailing/", "", "./x")) {
            assertThrows(IllegalArgumentException.class, () -> archive.file(bad, new byte[0], 0644), bad);
        }
    }

    @Test
    void modesOutsidePermissionBitsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Initramfs.empty().file("x", new byte[0], 0100644));
    }

    @Test
    void aDirectoryCannotBeReplacedByAFile() {
        Initramfs archive = Initramfs.empty().file("etc/x", new byte[0], 0644);
        assertThrows(IllegalArgumentException.class, () -> archive.file("etc", new byte[0], 0644));
    }

    @Test
    void theSameEntriesGiveTheSameBytes() {
        assertArrayEquals(Initramfs.empty().file("a", new byte[] {7}, 0644).toCpio(),
                Initramfs.empty().file("a", new byte[] {7}, 0644).toCpio());
    }

    private List<String> list(Path archive) throws Exception {
        return run(dir, "sh", "-c", "cpio -t --quiet < " + archive).lines().toList();
    }

    private static String run(Path workDir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + List.of(command));
        assertEquals(0, p.exitValue(), List.of(command) + " failed:\n" + output);
        return output;
    }
}
