package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.testkit.l1.Initramfs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's stock kernel in a real KVM VM (inside the nested-KVM L1 guest) with a busybox initramfs whose
 * /init reports what the guest sees and then ends the VM.
 *
 * <p>With ACPI (the default command line) the guest ends with {@code poweroff -f}: Linux enters S5 through the
 * FADT's sleep control register and the VM stops with {@link ExitStatus#POWEROFF}. With {@code acpi=off} the
 * kernel takes its CPUs from the MP table and cannot power off (it would halt forever), so that boot ends with
 * {@code reboot -f}, which {@code reboot=k} turns into an i8042 reset: {@link ExitStatus#REBOOT}.
 *
 * <p>Needs {@code -Dstockade.test.kernel=<bzImage>} ({@link VmmKvmTierTest} passes the L1 kernel).
 */
@Tag("l1")
class VirtualMachineL1Test {

    static final String KERNEL_PROPERTY = "stockade.test.kernel";
    static final String MARKER = "STOCKADE-GUEST: init reached";
    static final Duration BOOT_LIMIT = Duration.ofMinutes(6);
    static final String CMDLINE = VmConfig.DEFAULT_CMDLINE + " loglevel=4";

    /** The guest's /init: reports CPUs, memory, ACPI tables and XSAVE setup, then runs {@code %s} (the ending). */
    static String init(String ending) {
        return """
                #!/bin/sh
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                mount -t devtmpfs dev /dev
                echo "%s"
                printf '\\173' | dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null || echo "STOCKADE-GUEST: boot timer write failed"
                echo "STOCKADE-GUEST: cpus=$(grep -c ^processor /proc/cpuinfo)"
                echo "STOCKADE-GUEST: memtotal_kb=$(sed -n 's/^MemTotal: *\\([0-9]*\\) kB/\\1/p' /proc/meminfo)"
                echo "STOCKADE-GUEST: acpi_tables=$(ls /sys/firmware/acpi/tables 2>/dev/null | tr '\\n' ' ')"
                # One grep per flag: busybox's grep -o -w with several -e patterns drops matches.
                echo "STOCKADE-GUEST: xsave_flags=$(for f in xsave xsaveopt xsavec xsaves avx; do grep -q -w $f /proc/cpuinfo && printf '%%s ' $f; done)"
                dmesg | grep -e 'x86/fpu' -e 'XSAVE' | sed 's/^/STOCKADE-GUEST: dmesg: /'
                echo "STOCKADE-GUEST: ending with %s"
                %s
                sleep 30
                """.formatted(MARKER, io.stockade.hypervisor.devices.legacy.BootTimer.PORT, ending, ending);
    }

    @TempDir
    Path dir;

    @Test
    void theStockBzImageBootsWithAcpiOnTwoCpusAndPowersOff() throws Exception {
        String output = bootAndCheck(kernel(), "bzimage", CMDLINE, "poweroff -f", ExitStatus.POWEROFF);
        assertTrue(output.contains("STOCKADE-GUEST: acpi_tables=") && output.contains("FACP")
                && output.contains("APIC") && output.contains("DSDT"), "the kernel used our ACPI tables:\n" + output);
    }

    @Test
    void theElfVmlinuxBootsWithAcpiOnTwoCpusAndPowersOff() throws Exception {
        String output = bootAndCheck(extractVmlinux(kernel(), dir.resolve("vmlinux")), "vmlinux",
                CMDLINE, "poweroff -f", ExitStatus.POWEROFF);
        assertTrue(output.contains("FACP"), "the kernel used our ACPI tables:\n" + output);
    }

    @Test
    void theElfVmlinuxBootsWithAcpiOffFromTheMpTableAndRebootEndsTheVm() throws Exception {
        String output = bootAndCheck(extractVmlinux(kernel(), dir.resolve("vmlinux")), "vmlinux-acpi-off",
                CMDLINE + " acpi=off", "reboot -f", ExitStatus.REBOOT);
        assertTrue(output.contains("STOCKADE-GUEST: acpi_tables=\n")
                || output.contains("STOCKADE-GUEST: acpi_tables=\r\n"), "no ACPI with acpi=off:\n" + output);
    }

    /** Boots, checks CPUs, memory and the boot timer, and returns the console output. */
    private String bootAndCheck(Path kernel, String name, String cmdline, String ending, ExitStatus expected)
            throws Exception {
        Path initrd = Initramfs.withBusybox().init(init(ending)).writeGzip(dir.resolve(name + "-initrd.cpio.gz"));
        Path console = dir.resolve(name + "-console.log");
        VmConfig config = new VmConfig(kernel, Optional.of(initrd), cmdline, 2, 256,
                new SerialOutput.ToFile(console), Optional.empty(), true);

        VmExit exit;
        Optional<Duration> bootTime;
        try (VirtualMachine vm = VirtualMachine.create(config, System.nanoTime())) {
            vm.start();
            try {
                exit = vm.exitFuture().get(BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                vm.stop();
                keep(console);
                fail("the guest did not end within " + BOOT_LIMIT + "; console:\n" + tail(console));
                return "";
            }
            bootTime = vm.bootTimeSinceVmmStart();
        }
        keep(console);
        String output = Files.readString(console, StandardCharsets.UTF_8);
        String context = "exit " + exit + ", console:\n" + tail(console);

        assertEquals(expected, exit.status(), context);
        assertTrue(output.contains(MARKER), context);
        assertTrue(output.contains("STOCKADE-GUEST: cpus=2"), context);
        long memTotalKb = number(output, "memtotal_kb=(\\d+)", context);
        // The kernel keeps part of RAM for itself (its image, reserved ranges): MemTotal is a bit under 256 MiB.
        assertTrue(memTotalKb > 200 * 1024 && memTotalKb <= 256 * 1024, "MemTotal " + memTotalKb + " kB; " + context);
        assertTrue(bootTime.isPresent(), "the guest wrote the boot timer; " + context);
        assertXsaveWorks(output, context);
        return output;
    }

    /**
     * The guest kept XSAVE (and AVX) where this machine (L1) has them: KVM's CPUID leaf 0xD sizes matched the
     * guest's XCR0 (see {@code Cpuid.linuxXcr0}), so Linux did not fall back to FXSAVE.
     */
    private static void assertXsaveWorks(String output, String context) throws IOException {
        assertFalse(output.contains("XSAVE consistency problem"), "the guest rejected XSAVE; " + context);
        Set<String> hostFlags = cpuFlags(Files.readString(Path.of("/proc/cpuinfo")));
        Matcher m = Pattern.compile("STOCKADE-GUEST: xsave_flags=(.*)").matcher(output);
        assertTrue(m.find(), "no xsave_flags line; " + context);
        Set<String> guestFlags = new HashSet<>(Arrays.asList(m.group(1).strip().split("\\s+")));
        for (String flag : List.of("xsave", "avx")) {
            if (hostFlags.contains(flag)) {
                assertTrue(guestFlags.contains(flag), "L1 has " + flag + ", the guest has only " + guestFlags + "; "
                        + context);
            }
        }
    }

    /** The flags of the first CPU in a /proc/cpuinfo. */
    static Set<String> cpuFlags(String cpuinfo) {
        Matcher m = Pattern.compile("(?m)^flags\\s*:(.*)$").matcher(cpuinfo);
        return m.find() ? new HashSet<>(Arrays.asList(m.group(1).strip().split("\\s+"))) : Set.of();
    }

    static Path kernel() {
        String path = System.getProperty(KERNEL_PROPERTY);
        if (path == null) {
            fail("-D" + KERNEL_PROPERTY + "=<bzImage> is not set (VmmKvmTierTest passes the L1 kernel)");
        }
        return Path.of(path);
    }

    /**
     * The kernel's own {@code scripts/extract-vmlinux}, for a bzImage: the setup header locates the compressed
     * payload (payload_offset/payload_length, relative to the protected-mode code after the setup sectors),
     * which decompresses to the ELF vmlinux.
     */
    static Path extractVmlinux(Path bzImage, Path target) throws IOException, InterruptedException {
        byte[] image = Files.readAllBytes(bzImage);
        ByteBuffer header = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int setupSects = image[0x1f1] == 0 ? 4 : image[0x1f1] & 0xff;
        int protectedModeStart = (setupSects + 1) * 512;
        int payloadOffset = header.getInt(0x248);
        int payloadLength = header.getInt(0x24c);
        int start = protectedModeStart + payloadOffset;
        byte[] payload = java.util.Arrays.copyOfRange(image, start, start + payloadLength);
        if (payload[0] == 0x1f && (payload[1] & 0xff) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(payload))) {
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } else {
            String tool = (payload[0] & 0xff) == 0xfd && payload[1] == '7' ? "xz"
                    : (payload[0] & 0xff) == 0x28 && (payload[1] & 0xff) == 0xb5 ? "zstd" : null;
            if (tool == null) {
                fail(String.format("unknown payload compression in %s (magic %02x %02x)", bzImage, payload[0], payload[1]));
            }
            Process p = new ProcessBuilder(tool, "-dc").redirectOutput(target.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(payload);
            }
            // The kernel appends the uncompressed size after the xz stream; xz may complain about trailing data.
            p.waitFor();
        }
        byte[] elf = new byte[4];
        try (InputStream in = Files.newInputStream(target)) {
            if (in.read(elf) != 4 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
                fail("decompressing the payload of " + bzImage + " gave no ELF file");
            }
        }
        return target;
    }

    private static long number(String output, String regex, String context) {
        Matcher m = Pattern.compile(regex).matcher(output);
        if (!m.find()) {
            fail("no " + regex + " in the console; " + context);
        }
        return Long.parseLong(m.group(1));
    }

    static String tail(Path console) throws IOException {
        if (!Files.exists(console)) {
            return "(no console output)";
        }
        var lines = Files.readAllLines(console, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** Copies the console log into the L1 run's results dir, which the host keeps. */
    static void keep(Path console) throws IOException {
        String results = System.getenv("STOCKADE_L1_RESULTS");
        if (results != null && Files.exists(console)) {
            Files.copy(console, Path.of(results).resolve(console.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
