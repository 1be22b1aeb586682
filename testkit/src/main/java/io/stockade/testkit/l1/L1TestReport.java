package io.stockade.testkit.l1;

import org.junit.jupiter.api.DynamicTest;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns an L1 test run (the L1 result plus the launcher's XML reports) into host {@link DynamicTest}s: one per test
 * case, replaying its in-L1 outcome, plus one failing test when the run as a whole went wrong, so that a broken L1
 * boot or a crashed test JVM can never look like a green build.
 */
final class L1TestReport {
    static final String REPORTS_DIR = "junit-reports";
    private static final int LOG_TAIL_LINES = 60;

    private L1TestReport() {}

    static List<DynamicTest> dynamicTests(L1Result run) {
        List<L1TestCase> cases;
        try {
            cases = JUnitXmlReport.readAll(run.resultsDir().resolve(REPORTS_DIR));
        } catch (IOException e) {
            return List.of(failing("L1 test reports", "cannot read the JUnit reports of " + run.resultsDir() + ": "
                    + e.getMessage() + "\n" + run.describe()));
        }
        return dynamicTests(run, cases);
    }

    static List<DynamicTest> dynamicTests(L1Result run, List<L1TestCase> cases) {
        List<DynamicTest> tests = new ArrayList<>(cases.stream().map(L1TestReport::replay).toList());
        boolean anyFailed = cases.stream().anyMatch(c -> c.status() == L1TestCase.Status.FAILED);
        if (run.outcome() != L1Result.Outcome.COMPLETED) {
            tests.add(failing("L1 run", run.describe()));
        } else if (cases.isEmpty() || (run.exitCode().orElseThrow() != 0 && !anyFailed)) {
            // Exit 2 is the launcher's "no tests found"; anything else means the test JVM itself failed.
            tests.add(failing("L1 test launcher", "the JUnit console launcher in L1 exited with "
                    + run.exitCode().orElseThrow() + (cases.isEmpty() ? " and reported no tests (none tagged l1?)" : "")
                    + crashLogs(run)
                    + "\n--- last " + LOG_TAIL_LINES + " lines of " + run.jobLog() + " ---\n" + LogTail.of(run.jobLog(), LOG_TAIL_LINES)
                    + "\n" + run.describe()));
        }
        return tests;
    }

    /**
     * No test source URI: surefire would name a test with a class source "" in its reports. Surefire ignores display
     * names too, so the messages start with the L1 test's name.
     */
    private static DynamicTest replay(L1TestCase c) {
        String name = c.displayName();
        return switch (c.status()) {
            case PASSED -> DynamicTest.dynamicTest(name, () -> { });
            case SKIPPED -> DynamicTest.dynamicTest(name, () -> {
                throw new TestAbortedException(name + " skipped in L1" + (c.message().isEmpty() ? "" : ": " + c.message()));
            });
            case FAILED -> DynamicTest.dynamicTest(name, () -> {
                throw new AssertionError(name + " failed in L1: " + c.message() + "\n--- in-L1 stack trace ---\n" + c.trace());
            });
        };
    }

    /** The test JVM's crash logs, which L1TestRunner directs into the results dir. */
    private static String crashLogs(L1Result run) {
        try (Stream<Path> files = Files.list(run.resultsDir())) {
            List<String> logs = files.map(Path::toString).filter(f -> f.matches(".*/hs_err_pid\\d+\\.log")).sorted().toList();
            return logs.isEmpty() ? "" : "\nthe test JVM crashed; see " + String.join(", ", logs);
        } catch (IOException e) {
            return "\n(cannot list " + run.resultsDir() + ": " + e.getMessage() + ")";
        }
    }

    private static DynamicTest failing(String name, String message) {
        return DynamicTest.dynamicTest(name, () -> {
            throw new AssertionError(message);
        });
    }
}
