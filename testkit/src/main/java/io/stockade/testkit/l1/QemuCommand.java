package io.stockade.testkit.l1;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one place that knows how L1 is started: QEMU with TCG and an EPYC CPU model (which exposes SVM + nested
 * paging, so {@code kvm_amd} loads inside), the host root shared read-only over 9p, the run's results directory shared
 * writable, no network, and the serial console on stdout. See docs nested-kvm.md for why each flag is there.
 *
 * <p>QEMU runs under coreutils {@code timeout -s KILL} as a backstop: if the JVM that started it dies without
 * cleaning up, QEMU is still killed shortly after the job's own limit.
 *
 * @param cpuModel   {@link #SVM_CPU} except in tests of the no-KVM diagnosis
 * @param resultsDir absolute host directory, mounted at the same path inside L1 (and passed on the kernel command line,
 *                   so it is restricted to characters that survive both the cmdline and QEMU's option syntax)
 */
record QemuCommand(String cpuModel, Path vmlinuz, Path initrd, int memoryMiB, Path resultsDir, Duration backstop) {
    static final String QEMU = "qemu-system-x86_64";
    /** QEMU's EPYC model has SVM with nested paging under TCG (its warnings about unsupported features are harmless). */
    static final String SVM_CPU = "EPYC";
    private static final Pattern SAFE_PATH = Pattern.compile("/[A-Za-z0-9._/+@-]*");

    QemuCommand {
        String dir = resultsDir.toString();
        if (!resultsDir.isAbsolute() || !resultsDir.normalize().equals(resultsDir) || !SAFE_PATH.matcher(dir).matches()) {
            throw new IllegalArgumentException("L1 results dir must be an absolute, normalized path of letters, digits"
                    + " and ._/+@- (it goes on the kernel command line and into a -virtfs option): " + dir);
        }
    }

    List<String> argv() {
        return List.of(
                "timeout", "-s", "KILL", Long.toString(Math.max(1, backstop.toSeconds())),
                QEMU, "-accel", "tcg", "-M", "pc", "-cpu", cpuModel,
                "-m", Integer.toString(memoryMiB), "-smp", "2",
                "-kernel", vmlinuz.toString(), "-initrd", initrd.toString(),
                "-append", "console=ttyS0 quiet panic=-1 stockade.results=" + resultsDir,
                "-display", "none", "-serial", "stdio", "-monitor", "none", "-nic", "none", "-no-reboot",
                "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
                "-virtfs", "local,path=" + resultsDir + ",mount_tag=results,security_model=none,multidevs=remap");
    }
}
