package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class L1TestRunnerTest {
    private static final L1TestClasspath CLASSPATH = L1TestClasspath.of(List.of(
            Path.of("/m2/junit-platform-console-standalone-6.1.3.jar"), Path.of("/work/mod/target/test-classes")));

    @Test
    void theJobRunsTheConsoleLauncherOnL1TaggedTestsWithTheHostJdkAndReportsIntoTheResultsDir() throws Exception {
        L1Job job = L1TestRunner.create().withJvmOptions("-Dx=a b").job(CLASSPATH, List.of("--select-class=a.BTest"));

        List<String> argv = wordsAsTheShellSplitsThem(job.script(), "/results/run-1");

        assertEquals(List.of(
                System.getProperty("java.home") + "/bin/java",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Djava.io.tmpdir=/tmp", "-Dx=a b",
                "-XX:ErrorFile=/results/run-1/hs_err_pid%p.log",
                "org.junit.platform.console.ConsoleLauncher", "execute", "--disable-banner", "--disable-ansi-colors",
                "--details=tree", "--details-theme=ascii", "--include-engine=junit-jupiter", "--include-tag=l1",
                "--fail-if-no-tests", "--select-class=a.BTest",
                "--reports-dir=/results/run-1/" + L1TestReport.REPORTS_DIR), argv);
    }

    @Test
    void theClasspathTravelsInTheEnvironmentAndTheLimitsAreTheRunners() {
        L1Job job = L1TestRunner.create().withMemoryMiB(3072).withTimeout(Duration.ofMinutes(3))
                .job(CLASSPATH, List.of());

        assertEquals(CLASSPATH.joined(), job.env().get("CLASSPATH"));
        assertEquals(3072, job.memoryMiB());
        assertEquals(Duration.ofMinutes(3), job.timeout());
    }

    /** Replaces the script's {@code exec} with a printf of each word, and runs it as L1 would (same shell). */
    private static List<String> wordsAsTheShellSplitsThem(String script, String resultsDir) throws Exception {
        assertTrue(script.startsWith("exec "), script);
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", "printf '%s\\n' " + script.substring("exec ".length()))
                .redirectErrorStream(true);
        builder.environment().put("STOCKADE_L1_RESULTS", resultsDir);
        Process sh = builder.start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sh.waitFor(30, TimeUnit.SECONDS));
        return out.lines().toList();
    }
}
