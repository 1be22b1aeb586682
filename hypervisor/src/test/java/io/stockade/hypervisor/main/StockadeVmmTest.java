package io.stockade.hypervisor.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.vmm.ExitStatus;
import io.stockade.hypervisor.vmm.InvalidVmConfigException;
import io.stockade.hypervisor.vmm.SerialOutput;
import io.stockade.hypervisor.vmm.VmConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StockadeVmmTest {

    @TempDir
    Path dir;

    private static VmConfig parse(String... args) {
        VmmCommand command = new VmmCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    @Test
    void onlyTheKernelIsRequiredAndEverythingElseHasFirecrackerLikeDefaults() {
        VmConfig config = parse("--kernel", "/k");
        assertEquals(Path.of("/k"), config.kernel());
        assertEquals(Optional.empty(), config.initrd());
        assertEquals(1, config.vcpus());
        assertEquals(128, config.memoryMib());
        assertEquals(new SerialOutput.Stdout(), config.serial());
        assertEquals(Optional.empty(), config.apiSocket());
        assertTrue(config.bootTimer());
        assertTrue(config.cmdline().contains("console=ttyS0") && config.cmdline().contains("reboot=k"),
                config.cmdline());
        assertFalse(config.cmdline().contains("acpi=off"), "ACPI stays on so that poweroff works: " + config.cmdline());
    }

    @Test
    void everyOptionReachesTheConfig() {
        VmConfig config = parse("--kernel", "/k", "--initrd", "/i", "--cmdline", "console=ttyS0 quiet", "--cpus", "2",
                "--memory", "256", "--serial", "/tmp/console.log", "--api-socket", "/run/vmm.sock", "--no-boot-timer");
        assertEquals(Optional.of(Path.of("/i")), config.initrd());
        assertEquals("console=ttyS0 quiet", config.cmdline());
        assertEquals(2, config.vcpus());
        assertEquals(256, config.memoryMib());
        assertEquals(new SerialOutput.ToFile(Path.of("/tmp/console.log")), config.serial());
        assertEquals(Optional.of(Path.of("/run/vmm.sock")), config.apiSocket());
        assertEquals(false, config.bootTimer());
        assertEquals(new SerialOutput.Discard(), parse("--kernel", "/k", "--serial", "none").serial());
    }

    @Test
    void outOfRangeValuesAreRejectedNamingTheSetting() {
        var cpus = assertThrows(InvalidVmConfigException.class, () -> parse("--kernel", "/k", "--cpus", "0"));
        assertTrue(cpus.getMessage().startsWith("vcpus: 0"), cpus.getMessage());
        var memory = assertThrows(InvalidVmConfigException.class, () -> parse("--kernel", "/k", "--memory", "1"));
        assertTrue(memory.getMessage().startsWith("memory: 1 MiB"), memory.getMessage());
    }

    @Test
    void badCommandLinesExitWithTheConfigCodeAndAHint() {
        StringWriter err = new StringWriter();
        assertEquals(ExitStatus.BAD_CONFIG_EXIT_CODE, StockadeVmm.run(new String[] {"--cpus", "2"}, 0, new PrintWriter(err)));
        assertTrue(err.toString().contains("--kernel"), err.toString());

        err.getBuffer().setLength(0);
        assertEquals(ExitStatus.BAD_CONFIG_EXIT_CODE,
                StockadeVmm.run(new String[] {"--kernel", "/k", "--cpus", "x"}, 0, new PrintWriter(err)));
    }

    @Test
    void aMissingKernelFileIsAConfigErrorBeforeAnyKvmWork() {
        StringWriter err = new StringWriter();
        Path missing = dir.resolve("vmlinuz");
        assertEquals(ExitStatus.BAD_CONFIG_EXIT_CODE,
                StockadeVmm.run(new String[] {"--kernel", missing.toString()}, 0, new PrintWriter(err)));
        assertTrue(err.toString().contains("kernel: " + missing + " is not a regular file"), err.toString());
    }

    @Test
    void helpDocumentsEveryExitCode() {
        StringWriter out = new StringWriter();
        new CommandLine(new VmmCommand()).setOut(new PrintWriter(out)).execute("--help");
        String help = out.toString();
        for (ExitStatus status : ExitStatus.values()) {
            assertTrue(help.contains(" " + status.exitCode() + "   "), "exit code " + status.exitCode() + " in:\n" + help);
        }
        assertTrue(help.contains("--api-socket"), help);
    }

    @Test
    void hostFileChecksNameTheUnusableFile() throws Exception {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "x");
        VmConfig ok = parse("--kernel", kernel.toString(), "--serial", dir.resolve("console.log").toString());
        ok.checkHostFiles();

        VmConfig noInitrd = parse("--kernel", kernel.toString(), "--initrd", dir.resolve("nope").toString());
        var e = assertThrows(InvalidVmConfigException.class, noInitrd::checkHostFiles);
        assertTrue(e.getMessage().startsWith("initrd: "), e.getMessage());

        VmConfig badSerialDir = parse("--kernel", kernel.toString(), "--serial", "/nonexistent-dir/console.log");
        var serial = assertThrows(InvalidVmConfigException.class, badSerialDir::checkHostFiles);
        assertTrue(serial.getMessage().startsWith("serial: "), serial.getMessage());
    }
}
