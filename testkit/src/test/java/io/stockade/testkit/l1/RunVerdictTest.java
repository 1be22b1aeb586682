package io.stockade.testkit.l1;

import io.stockade.testkit.l1.L1Result.Outcome;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunVerdictTest {
    private static final Optional<String> NONE = Optional.empty();

    @Test
    void anExitCodeFileMeansTheJobCompleted() {
        RunVerdict v = RunVerdict.decide(NONE, Optional.of("7\n"), NONE, NONE, "job-exit", 0);

        assertEquals(new RunVerdict(Outcome.COMPLETED, OptionalInt.of(7), ""), v);
    }

    @Test
    void theHostTimeoutWinsOverEverythingElse() {
        RunVerdict v = RunVerdict.decide(Optional.of("PT5S"), Optional.of("0"), NONE, NONE, "job-start", 137);

        assertEquals(Outcome.TIMED_OUT, v.outcome());
        assertTrue(v.problem().contains("PT5S") && v.problem().contains("job-start"), v.problem());
    }

    @Test
    void missingKvmIsItsOwnOutcome() {
        RunVerdict v = RunVerdict.decide(NONE, NONE, Optional.of("no-kvm /dev/kvm did not appear\n"), NONE, "FATAL", 0);

        assertEquals(Outcome.NO_KVM, v.outcome());
        assertTrue(v.problem().contains("/dev/kvm did not appear"), v.problem());
    }

    @Test
    void theSerialConsoleReportsWhatTheResultsShareCouldNot() {
        RunVerdict v = RunVerdict.decide(NONE, NONE, NONE, Optional.of("results-share: cannot mount"), "FATAL", 0);

        assertEquals(Outcome.L1_FAILED, v.outcome());
        assertTrue(v.problem().contains("results-share cannot mount"), v.problem());
    }

    @Test
    void noEvidenceAtAllPointsAtThePanicOrQemu() {
        RunVerdict v = RunVerdict.decide(NONE, NONE, NONE, NONE, "init", 1);

        assertEquals(Outcome.L1_FAILED, v.outcome());
        assertTrue(v.problem().contains("status 1") && v.problem().contains("init"), v.problem());
    }

    @Test
    void aGarbledExitCodeIsAnL1FailureNamingIt() {
        RunVerdict v = RunVerdict.decide(NONE, Optional.of("seven"), NONE, NONE, "job-exit", 0);

        assertEquals(Outcome.L1_FAILED, v.outcome());
        assertTrue(v.problem().contains("'seven'"), v.problem());
    }
}
