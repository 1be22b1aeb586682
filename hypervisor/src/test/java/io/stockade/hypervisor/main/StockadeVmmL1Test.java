package io.stockade.hypervisor.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.hypervisor.devices.legacy.BootTimer;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.testkit.l1.Initramfs;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when", end to end inside L1: the real {@code stockade-vmm} process (its {@code main}, in a JVM
 * of its own) boots Debian's stock bzImage with the default command line; the guest's init prints a marker on the
 * serial console and powers off; the VMM exits with code 0.
 */
@Tag("l1")
class StockadeVmmL1Test {

    static final Duration LIMIT = Duration.ofMinutes(6);
    static final String MARKER = "STOCKADE-GUEST: hello from init";
    static final String INIT = """
            #!/bin/sh
            mount -t devtmpfs dev /dev
            echo "%s"
            printf '\\173' | dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null
            poweroff -f
            sleep 30
            """.formatted(MARKER, BootTimer.PORT);

    @TempDir
    Path dir;

    @Test
    void theCliBootsTheStockKernelAndExitsZeroWhenTheGuestPowersOff() throws Exception {
        String kernel = System.getProperty("stockade.test.kernel");
        if (kernel == null) {
            fail("-Dstockade.test.kernel=<bzImage> is not set (VmmKvmTierTest passes the L1 kernel)");
        }
        Path initrd = Initramfs.withBusybox().init(INIT).writeGzip(dir.resolve("initrd.cpio.gz"));
        Path console = dir.resolve("cli-console.log");
        Path vmmLog = dir.resolve("cli-vmm.log");

        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The same JVM options as this test JVM (native access, L1-friendly JIT and GC).
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StockadeVmm.class.getName(),
                "--kernel", kernel, "--initrd", initrd.toString(), "--cpus", "2", "--memory", "256",
                "--serial", console.toString(), "--cmdline", VmConfig.DEFAULT_CMDLINE + " loglevel=4"));
        Process vmm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(vmmLog.toFile()).start();
        boolean ended = vmm.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            vmm.destroyForcibly().waitFor();
        }
        keep(console);
        keep(vmmLog);
        String context = "VMM log:\n" + read(vmmLog) + "\nconsole:\n" + read(console);
        assertTrue(ended, "stockade-vmm did not exit within " + LIMIT + "; " + context);

        assertEquals(0, vmm.exitValue(), "exit code of stockade-vmm; " + context);
        assertTrue(read(console).contains(MARKER), context);
        assertTrue(read(vmmLog).contains("POWEROFF"), context);
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(none)";
    }

    private static void keep(Path file) throws Exception {
        String results = System.getenv("STOCKADE_L1_RESULTS");
        if (results != null && Files.exists(file)) {
            Files.copy(file, Path.of(results).resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
