package io.stockade.testkit.l1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Boots the nested-KVM L1 guest for one {@link L1Job} and waits for it (ARCHITECTURE §7 tier 3). L1 is Debian's
 * kernel under QEMU TCG with an emulated SVM CPU, so {@code /dev/kvm} works inside; the job runs in a chroot of the
 * host's root (read-only over 9p), so host-built classes and the host's JDK run unchanged. Each run gets a fresh
 * results directory shared writable at the same path in L1.
 *
 * <p>Only one L1 guest boots at a time on a machine (both cores are busy emulating it); a run waits for the previous
 * one. QEMU never outlives the run: it is killed at the job's timeout, on JVM shutdown, and, as a backstop, by
 * {@code timeout(1)} shortly after the job's limit.
 *
 * <pre>{@code
 * L1Result r = L1Guest.create().run(L1Job.command("ls", "-l", "/dev/kvm"));
 * r.requireSuccess();
 * }</pre>
 */
public final class L1Guest {
    /** Extra time {@code timeout(1)} grants QEMU beyond the job's limit before it kills it on its own. */
    private static final Duration BACKSTOP_MARGIN = Duration.ofMinutes(1);
    private final Path runsDir;
    private final String cpuModel;

    private L1Guest(Path runsDir, String cpuModel) {
        this.runsDir = runsDir;
        this.cpuModel = cpuModel;
    }

    /** A guest whose run directories go under {@code java.io.tmpdir/stockade-l1-runs}. */
    public static L1Guest create() {
        return withRunsUnder(Path.of(System.getProperty("java.io.tmpdir"), "stockade-l1-runs"));
    }

    /**
     * A guest whose run directories go under {@code runsDir}; its real path must consist of letters, digits and
     * {@code ._/+@-} (it is passed on L1's kernel command line).
     */
    public static L1Guest withRunsUnder(Path runsDir) {
        return new L1Guest(runsDir.toAbsolutePath(), QemuCommand.SVM_CPU);
    }

    /** The same guest on another QEMU CPU model: a model without SVM proves that a missing /dev/kvm is diagnosed. */
    L1Guest withCpuModel(String model) {
        return new L1Guest(runsDir, model);
    }

    /** Runs {@code job} in a freshly booted L1 guest; failures of L1 itself are reported in the result, not thrown. */
    public L1Result run(L1Job job) {
        L1Build build = L1Build.get();
        Path resultsDir = newResultsDir();
        try {
            Files.writeString(resultsDir.resolve("job.sh"), job.render(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the L1 job script into " + resultsDir, e);
        }
        QemuCommand command = new QemuCommand(cpuModel, build.vmlinuz(), build.initrd(), job.memoryMiB(), resultsDir,
                job.timeout().plus(BACKSTOP_MARGIN));
        try (BootLock _ = BootLock.acquire(build.dir().getParent().resolve("boot.lock"))) {
            return boot(command, job.timeout());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + QemuCommand.QEMU + " for L1 run " + resultsDir
                    + " (is qemu-system-x86 installed? scripts/l1/build.sh installs it)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while L1 run " + resultsDir + " was in progress", e);
        }
    }

    private Path newResultsDir() {
        try {
            Files.createDirectories(runsDir);
            return Files.createTempDirectory(runsDir, "run-").toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an L1 run directory under " + runsDir, e);
        }
    }

    private static L1Result boot(QemuCommand command, Duration timeout) throws IOException, InterruptedException {
        Path resultsDir = command.resultsDir();
        Path serialLog = resultsDir.resolve("serial.log");
        long start = System.nanoTime();
        Process qemu = new ProcessBuilder(command.argv())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        Thread killOnExit = new Thread(() -> kill(qemu), "l1-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
        try {
            SerialConsole console = SerialConsole.start(qemu.getInputStream(), serialLog, start);
            boolean exited = qemu.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!exited) {
                kill(qemu);
            }
            Duration total = Duration.ofNanos(System.nanoTime() - start);
            console.awaitEnd(Duration.ofSeconds(10));
            RunVerdict verdict = RunVerdict.decide(
                    exited ? Optional.empty() : Optional.of(timeout.toString()),
                    readIfPresent(resultsDir.resolve("exit-code")),
                    readIfPresent(resultsDir.resolve("l1-fatal")),
                    console.fatal(), console.lastEvent(), qemu.isAlive() ? -1 : qemu.exitValue());
            Optional<Duration> jobStart = console.seen("job-start");
            Optional<Duration> jobTime = jobStart.flatMap(begin -> console.seen("job-exit").map(end -> end.minus(begin)));
            return new L1Result(verdict.outcome(), verdict.exitCode(), verdict.problem(), resultsDir, serialLog,
                    jobStart, jobTime, total);
        } finally {
            kill(qemu);
            try {
                Runtime.getRuntime().removeShutdownHook(killOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to; it kills QEMU as well
            }
        }
    }

    /** Kills QEMU and {@code timeout(1)} above it; QEMU first, so it is never left orphaned. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<String> readIfPresent(Path file) throws IOException {
        return Files.exists(file) ? Optional.of(Files.readString(file, StandardCharsets.UTF_8)) : Optional.empty();
    }
}
