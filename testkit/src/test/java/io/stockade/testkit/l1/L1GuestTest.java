package io.stockade.testkit.l1;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Boots L1 for real (kvm tier): exit codes, the results share, and the host timeout. */
@Tag("kvm")
class L1GuestTest {
    private final L1Guest guest = L1Guest.withRunsUnder(Path.of("target", "l1-runs").toAbsolutePath());

    @Test
    void theJobRunsAsRootWithKvmAndItsExitCodeAndFilesComeBack() throws Exception {
        L1Result result = guest.run(L1Job.script("""
                test -c /dev/kvm || exit 3
                echo "$GREETING" > "$STOCKADE_L1_RESULTS/out.txt"
                touch /etc/should-be-read-only 2>/dev/null && exit 4
                exit 7
                """).withEnv("GREETING", "hello from L1").withMemoryMiB(1024).withTimeout(Duration.ofMinutes(5)));

        assertEquals(L1Result.Outcome.COMPLETED, result.outcome(), result::describe);
        assertEquals(7, result.exitCode().orElseThrow(), result::describe);
        assertEquals("hello from L1\n", Files.readString(result.resultsDir().resolve("out.txt")));
        assertTrue(result.boot().isPresent() && result.job().isPresent(), result::describe);
    }

    @Test
    void aCpuWithoutSvmIsReportedAsNoKvmWithoutRunningTheJob() {
        L1Result result = guest.withCpuModel("qemu64,-svm")
                .run(L1Job.script("touch \"$STOCKADE_L1_RESULTS/ran\"").withMemoryMiB(512).withTimeout(Duration.ofMinutes(3)));

        assertEquals(L1Result.Outcome.NO_KVM, result.outcome(), result::describe);
        assertTrue(result.problem().contains("kvm-amd") && result.problem().contains("svm on 0"), result.problem());
        assertFalse(Files.exists(result.resultsDir().resolve("ran")));
        assertTrue(result.describe().contains("STOCKADE-L1: FATAL no-kvm"), result::describe);
    }

    @Test
    void aJobThatOutlivesItsTimeoutIsKilledWithItsQemu() {
        L1Result result = guest.run(L1Job.script("sleep 600").withMemoryMiB(512).withTimeout(Duration.ofSeconds(5)));

        assertEquals(L1Result.Outcome.TIMED_OUT, result.outcome(), result::describe);
        String resultsDir = result.resultsDir().toString();
        assertFalse(ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
                        .map(args -> String.join(" ", args).contains(resultsDir)).orElse(false)),
                "no process of that run survives");
    }
}
