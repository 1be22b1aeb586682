package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QemuCommandTest {
    private static final Path RESULTS = Path.of("/work/main/testkit/target/l1-runs/run-42");

    private static QemuCommand command(Path results) {
        return new QemuCommand(QemuCommand.SVM_CPU, Path.of("/cache/vmlinuz"), Path.of("/cache/initrd.cpio.gz"), 2048, results,
                Duration.ofSeconds(90));
    }

    @Test
    void hostRootIsSharedReadOnlyAndTheResultsDirWritable() {
        List<String> argv = command(RESULTS).argv();

        assertTrue(argv.contains("local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"));
        assertTrue(argv.contains("local,path=" + RESULTS + ",mount_tag=results,security_model=none,multidevs=remap"));
        assertTrue(argv.get(argv.indexOf("-append") + 1).contains(" stockade.results=" + RESULTS));
    }

    @Test
    void guestIsAnSvmCapableTcgMachineWithoutNetworkThatNeverReboots() {
        String line = String.join(" ", command(RESULTS).argv());

        assertTrue(line.contains("-accel tcg -M pc -cpu EPYC -m 2048 -smp 2"), line);
        assertTrue(line.contains("-nic none"), line);
        assertTrue(line.contains("-no-reboot"), line);
        assertTrue(line.contains("panic=-1"), line);
        assertTrue(line.contains("-serial stdio -monitor none"), line);
    }

    @Test
    void qemuRunsUnderATimeoutBackstop() {
        List<String> argv = command(RESULTS).argv();

        assertEquals(List.of("timeout", "-s", "KILL", "90", QemuCommand.QEMU), argv.subList(0, 5));
    }

    @Test
    void resultsDirsThatWouldBreakTheCmdlineOrTheOptionSyntaxAreRefused() {
        for (String bad : List.of("relative/dir", "/with space", "/with,comma", "/a/../b", "/quote'd", "/new\nline")) {
            var e = assertThrows(IllegalArgumentException.class, () -> command(Path.of(bad)), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }
}
