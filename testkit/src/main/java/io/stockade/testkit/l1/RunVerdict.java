package io.stockade.testkit.l1;

import io.stockade.testkit.l1.L1Result.Outcome;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides an {@link Outcome} from what an L1 run left behind. The evidence is read in order of trust: the host's own
 * timeout, then the files /init wrote into the results dir, then the serial console (the only channel left when the
 * results share itself failed), then QEMU's exit status.
 *
 * @param outcome  the outcome
 * @param exitCode the job's exit status when it completed
 * @param problem  what went wrong, empty when the job completed
 */
record RunVerdict(Outcome outcome, OptionalInt exitCode, String problem) {
    /** /init's reason word for a missing /dev/kvm (scripts/l1/init.sh). */
    static final String NO_KVM_REASON = "no-kvm";

    /**
     * @param timedOutAfter  set when the host killed QEMU at the job's time limit
     * @param exitCodeFile   contents of {@code exit-code}, if /init wrote it
     * @param fatalFile      contents of {@code l1-fatal}, {@code "<reason> <message>"}, if /init wrote it
     * @param serialFatal    the serial console's FATAL detail, {@code "<reason>: <message>"}
     * @param lastEvent      the last progress marker seen on the serial console
     * @param qemuStatus     QEMU's exit status (137 after a kill)
     */
    static RunVerdict decide(Optional<String> timedOutAfter, Optional<String> exitCodeFile, Optional<String> fatalFile,
                             Optional<String> serialFatal, String lastEvent, int qemuStatus) {
        if (timedOutAfter.isPresent()) {
            return failed(Outcome.TIMED_OUT, "no result within " + timedOutAfter.get()
                    + "; QEMU was killed; last L1 progress marker: " + lastEvent);
        }
        if (exitCodeFile.isPresent()) {
            String text = exitCodeFile.get().strip();
            try {
                return new RunVerdict(Outcome.COMPLETED, OptionalInt.of(Integer.parseInt(text)), "");
            } catch (NumberFormatException e) {
                return failed(Outcome.L1_FAILED, "exit-code file holds '" + text + "', not a number");
            }
        }
        Optional<String> fatal = fatalFile.map(String::strip)
                .or(() -> serialFatal.map(detail -> detail.replaceFirst(":", "")));
        if (fatal.isPresent()) {
            String reason = fatal.get().split(" ", 2)[0];
            return failed(reason.equals(NO_KVM_REASON) ? Outcome.NO_KVM : Outcome.L1_FAILED,
                    "L1 could not run the job: " + fatal.get());
        }
        return failed(Outcome.L1_FAILED, "QEMU exited with status " + qemuStatus
                + " before the job finished (kernel panic or QEMU error, see the serial log); last L1 progress marker: "
                + lastEvent);
    }

    private static RunVerdict failed(Outcome outcome, String problem) {
        return new RunVerdict(outcome, OptionalInt.empty(), problem);
    }
}
