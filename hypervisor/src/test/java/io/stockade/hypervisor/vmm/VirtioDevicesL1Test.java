package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.testkit.l1.Initramfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's stock kernel with virtio-mmio disks and an entropy device, found through the DSDT (the kernel has
 * no {@code virtio_mmio.device=} support), and uses them from a busybox initramfs: ext4 on a read-write disk keeps
 * what the guest wrote across a VM restart, a read-only disk refuses writes and stays byte-identical, and
 * {@code /dev/hwrng} yields bytes.
 *
 * <p>Needs {@code -Dstockade.test.kernel=<bzImage>} and {@code -Dstockade.test.kernel.modules=<lib/modules/release>}
 * ({@link VmmKvmTierTest} passes both), and e2fsprogs ({@code mkfs.ext4}, {@code debugfs}) on the host.
 */
@Tag("l1")
class VirtioDevicesL1Test {

    static final String MODULES_PROPERTY = "stockade.test.kernel.modules";
    /** What the guest needs, in any order; dependencies are added and ordered with modinfo. */
    static final List<String> MODULES = List.of("virtio_mmio", "virtio_blk", "virtio-rng", "crc32c_generic", "ext4");
    static final String SAY = "STOCKADE-GUEST: ";
    /** The default command line minus {@code nomodule}, which makes every insmod fail with EPERM. */
    static final String CMDLINE = VirtualMachineL1Test.CMDLINE.replace(" nomodule", "");

    @TempDir
    Path dir;

    @Test
    void disksKeepWritesAcrossRestartsReadOnlyDisksRefuseThemAndTheRngYieldsBytes() throws Exception {
        Path rwImage = ext4Image("rw", "seed.txt", "from-the-rw-image");
        Path roImage = ext4Image("ro", "hello.txt", "from-the-ro-image");
        byte[] roBefore = Files.readAllBytes(roImage);
        List<Path> modules = resolveModules(Path.of(requiredProperty(MODULES_PROPERTY)), MODULES);
        List<VirtioDeviceConfig> devices = List.of(
                new DiskConfig(rwImage, false, Optional.of("rwdisk")),
                new DiskConfig(roImage, true, Optional.of("rodisk")),
                new RngConfig());

        String first = boot("first", modules, devices, """
                mount -t ext4 "$(disk rwdisk)" /mnt/rw && say "rw mounted"
                mount -t ext4 -o ro "$(disk rodisk)" /mnt/ro && say "ro mounted"
                say "seed=$(cat /mnt/rw/seed.txt)"
                say "hello=$(cat /mnt/ro/hello.txt)"
                echo written-by-the-first-boot > /mnt/rw/written.txt && sync && say "rw write done"
                if dd if=/dev/zero of="$(disk rodisk)" bs=512 count=1 conv=fsync 2>/dev/null; then
                  say "ro device write succeeded"
                else
                  say "ro device write refused"
                fi
                say "hwrng=$(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \\n')"
                say "rng_current=$(cat /sys/class/misc/hw_random/rng_current)"
                umount /mnt/rw
                umount /mnt/ro
                """);
        assertTrue(first.contains(SAY + "virtio=virtio0 virtio1 virtio2 "), "three virtio devices probed:\n" + first);
        assertTrue(first.contains(SAY + "rw mounted") && first.contains(SAY + "ro mounted"), first);
        assertTrue(first.contains(SAY + "seed=from-the-rw-image"), first);
        assertTrue(first.contains(SAY + "hello=from-the-ro-image"), first);
        assertTrue(first.contains(SAY + "rw write done"), first);
        assertTrue(first.contains(SAY + "ro device write refused"), first);
        assertTrue(first.contains(SAY + "rng_current=virtio_rng"), first);
        Matcher rng = Pattern.compile(SAY + "hwrng=([0-9a-f]*)").matcher(first);
        assertTrue(rng.find() && rng.group(1).length() == 32, "16 bytes from /dev/hwrng:\n" + first);

        assertEquals("written-by-the-first-boot\n", debugfsCat(rwImage, "/written.txt"),
                "the host sees the guest's write in the image");
        assertArrayEquals(roBefore, Files.readAllBytes(roImage), "the read-only image is unchanged");

        String second = boot("second", modules, devices, """
                mount -t ext4 "$(disk rwdisk)" /mnt/rw && say "rw mounted"
                say "readback=$(cat /mnt/rw/written.txt)"
                umount /mnt/rw
                """);
        assertTrue(second.contains(SAY + "readback=written-by-the-first-boot"), "the write survived a restart:\n"
                + second);
    }

    /** Boots with {@code devices}, loads the modules, runs {@code steps} and powers off; returns the console. */
    private String boot(String name, List<Path> modules, List<VirtioDeviceConfig> devices, String steps)
            throws Exception {
        StringBuilder init = new StringBuilder("""
                #!/bin/sh
                mount -t proc proc /proc
                mount -t sysfs sys /sys
                mount -t devtmpfs dev /dev
                say() { echo "%s$*"; }
                disk() { for d in /sys/block/vd*; do [ "$(cat $d/serial)" = "$1" ] && echo /dev/${d##*/}; done; }
                """.formatted(SAY));
        Initramfs initramfs = Initramfs.withBusybox();
        for (Path module : modules) {
            String file = module.getFileName().toString();
            initramfs.copy(module, "lib/modules/" + file, 0644);
            init.append("insmod /lib/modules/").append(file).append(" || say \"insmod ").append(file)
                    .append(" failed\"\n");
        }
        init.append("""
                mkdir -p /mnt/rw /mnt/ro
                say "virtio=$(ls /sys/bus/virtio/devices | tr '\\n' ' ')"
                say "disks=$(for d in /sys/block/vd*; do echo -n "${d##*/}:$(cat $d/serial):$(cat $d/ro) "; done)"
                """).append(steps).append("""
                say "done"
                poweroff -f
                sleep 30
                """);
        Path initrd = initramfs.init(init.toString()).writeGzip(dir.resolve(name + "-initrd.cpio.gz"));
        Path console = dir.resolve("virtio-" + name + "-console.log");
        VmConfig config = new VmConfig(VirtualMachineL1Test.kernel(), Optional.of(initrd),
                CMDLINE, 1, 256, new SerialOutput.ToFile(console), Optional.empty(), false,
                devices);
        VmExit exit;
        try (VirtualMachine vm = VirtualMachine.create(config, System.nanoTime())) {
            vm.start();
            try {
                exit = vm.exitFuture().get(VirtualMachineL1Test.BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                vm.stop();
                VirtualMachineL1Test.keep(console);
                fail("the " + name + " boot did not end within " + VirtualMachineL1Test.BOOT_LIMIT + "; console:\n"
                        + VirtualMachineL1Test.tail(console));
                return "";
            }
        }
        VirtualMachineL1Test.keep(console);
        String output = Files.readString(console, StandardCharsets.UTF_8);
        assertEquals(ExitStatus.POWEROFF, exit.status(), "exit " + exit + "; console:\n"
                + VirtualMachineL1Test.tail(console));
        assertTrue(output.contains(SAY + "done"), output);
        assertFalse(output.contains(SAY + "insmod "), "a module did not load:\n" + output);
        return output;
    }

    /** A 16 MiB ext4 image holding one file, made with {@code mkfs.ext4 -d}. */
    private Path ext4Image(String name, String file, String content) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name + "-root"));
        Files.writeString(root.resolve(file), content + "\n");
        Path image = dir.resolve(name + ".img");
        run(List.of("mkfs.ext4", "-q", "-F", "-L", name, "-d", root.toString(), image.toString(), "16M"));
        return image;
    }

    private static String debugfsCat(Path image, String file) throws Exception {
        return run(List.of("debugfs", "-R", "cat " + file, image.toString()));
    }

    /**
     * {@code wanted} and their dependencies as {@code .ko} paths, each after what it depends on ({@code modinfo -F
     * depends}); names may use '-' or '_' interchangeably, as modprobe allows.
     */
    static List<Path> resolveModules(Path modulesDir, List<String> wanted) throws Exception {
        List<Path> all;
        try (Stream<Path> files = Files.walk(modulesDir.resolve("kernel"))) {
            all = files.filter(p -> p.getFileName().toString().endsWith(".ko")).toList();
        }
        Set<Path> ordered = new LinkedHashSet<>();
        for (String name : wanted) {
            addWithDependencies(name, all, ordered, new ArrayList<>());
        }
        return List.copyOf(ordered);
    }

    private static void addWithDependencies(String name, List<Path> all, Set<Path> ordered, List<String> chain)
            throws Exception {
        String key = name.replace('-', '_');
        Path module = all.stream()
                .filter(p -> p.getFileName().toString().replace('-', '_').equals(key + ".ko"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no module " + name + ".ko (needed by " + chain + ")"));
        if (ordered.contains(module)) {
            return;
        }
        if (chain.contains(key)) {
            throw new IllegalStateException("module dependency cycle: " + chain + " -> " + key);
        }
        chain.add(key);
        String depends = run(List.of("modinfo", "-F", "depends", module.toString())).strip();
        for (String dependency : depends.isEmpty() ? new String[0] : depends.split(",")) {
            addWithDependencies(dependency, all, ordered, chain);
        }
        chain.removeLast();
        ordered.add(module);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue()
                    + ": " + out);
        }
        return out;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null) {
            fail("-D" + name + " is not set (VmmKvmTierTest passes it)");
        }
        return value;
    }
}
