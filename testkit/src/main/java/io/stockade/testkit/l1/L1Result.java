package io.stockade.testkit.l1;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How an {@link L1Job} ended.
 *
 * @param outcome    whether the job ran to completion, and if not, why
 * @param exitCode   the job's exit status, present exactly when {@code outcome} is {@link Outcome#COMPLETED}
 * @param problem    what went wrong when the job did not complete, otherwise empty
 * @param resultsDir the run's directory: {@code job.sh}, {@code job.log}, {@code exit-code}, {@code serial.log} and
 *                   whatever the job wrote
 * @param serialLog  QEMU's output: L1's serial console and QEMU's warnings
 * @param boot       host time from QEMU's start until the job started, if it did
 * @param job        host time the job ran, if it finished
 * @param total      host time from QEMU's start until it exited
 */
public record L1Result(Outcome outcome, OptionalInt exitCode, String problem, Path resultsDir, Path serialLog,
                       Optional<Duration> boot, Optional<Duration> job, Duration total) {

    /** Why a run ended. */
    public enum Outcome {
        /** The job ran and exited; see {@link #exitCode()}. */
        COMPLETED,
        /** The host's time limit expired and QEMU was killed. */
        TIMED_OUT,
        /** L1 booted but {@code kvm_amd} gave it no {@code /dev/kvm}. */
        NO_KVM,
        /** L1 could not run the job: a module or share failed, the kernel panicked, or QEMU failed to start. */
        L1_FAILED
    }

    private static final int TAIL_LINES = 40;

    /** Whether the job ran and exited with status 0. */
    public boolean succeeded() {
        return outcome == Outcome.COMPLETED && exitCode.orElseThrow() == 0;
    }

    /** Returns this result, or throws an {@link AssertionError} describing it (with the serial log's tail). */
    public L1Result requireSuccess() {
        if (!succeeded()) {
            throw new AssertionError(describe());
        }
        return this;
    }

    /** The job's stdout and stderr. */
    public Path jobLog() {
        return resultsDir.resolve("job.log");
    }

    /** The last {@code lines} lines of the serial log. */
    public String serialTail(int lines) {
        return LogTail.of(serialLog, lines);
    }

    /** A multi-line account for failure messages: outcome, exit code, problem, timings and the serial log's tail. */
    public String describe() {
        StringBuilder text = new StringBuilder("L1 job ").append(outcome);
        exitCode.ifPresent(code -> text.append(" with exit code ").append(code));
        if (!problem.isEmpty()) {
            text.append(": ").append(problem);
        }
        text.append("\n  total ").append(seconds(total))
                .append(", boot ").append(boot.map(L1Result::seconds).orElse("-"))
                .append(", job ").append(job.map(L1Result::seconds).orElse("-"))
                .append("\n  results dir ").append(resultsDir)
                .append("\n--- last ").append(TAIL_LINES).append(" lines of ").append(serialLog).append(" ---\n")
                .append(serialTail(TAIL_LINES));
        return text.toString();
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
