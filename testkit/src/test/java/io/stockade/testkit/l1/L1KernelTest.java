package io.stockade.testkit.l1;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs scripts/l1/build.sh for real (host tier: it may apt-get install and download the kernel package). */
@Tag("host")
class L1KernelTest {
    @Test
    void debianKernelIsABzImageWithItsModules() throws Exception {
        L1Kernel kernel = L1Kernel.debian();

        try (InputStream in = Files.newInputStream(kernel.vmlinuz())) {
            byte[] header = in.readNBytes(0x206);
            assertEquals("HdrS", new String(header, 0x202, 4, StandardCharsets.US_ASCII), "bzImage boot protocol magic");
        }
        assertTrue(kernel.release().endsWith("-amd64"), kernel.release());
        assertTrue(Files.isDirectory(kernel.modulesDir().resolve("kernel/arch/x86/kvm")), kernel.modulesDir().toString());
    }

    @Test
    void l1InitramfsHasInitBusyboxAndTheKvmAnd9pModules() throws Exception {
        L1Build build = L1Build.get();

        Process list = new ProcessBuilder("sh", "-c", "gzip -dc " + build.initrd() + " | cpio -t --quiet")
                .redirectErrorStream(true).start();
        List<String> entries = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(list.waitFor(60, TimeUnit.SECONDS));
        for (String expected : List.of("init", "bin/busybox", "dev/console", "lib/modules/kvm-amd.ko",
                "lib/modules/kvm.ko", "lib/modules/9p.ko", "lib/modules/9pnet_virtio.ko")) {
            assertTrue(entries.contains(expected), expected + " in " + entries);
        }
    }

    @Test
    void aSecondBuildIsServedFromTheCache() {
        Path first = L1Build.get().dir();

        assertEquals(first, L1Build.fromDirectory(first).dir());
        assertTrue(Files.exists(first.resolve(".complete")));
    }
}
