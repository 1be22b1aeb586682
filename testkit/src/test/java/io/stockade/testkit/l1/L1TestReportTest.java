package io.stockade.testkit.l1;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** In-L1 outcomes become host test outcomes; a broken run can never pass as green. */
class L1TestReportTest {
    /** As written by the JUnit 6.1.3 console launcher (properties and most system-out trimmed). */
    static final String REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="JUnit Jupiter" tests="4" skipped="1" failures="1" errors="1" time="0.576">
            <properties>
            <property name="java.version" value="25.0.3"/>
            </properties>
            <testcase name="errors()" classname="io.stockade.SampleTest" time="0.197">
            <error message="boom &lt;&amp;&gt;" type="java.lang.IllegalStateException"><![CDATA[java.lang.IllegalStateException: boom <&>
            	at io.stockade.SampleTest.errors(SampleTest.java:5)
            ]]></error>
            </testcase>
            <testcase name="fails()" classname="io.stockade.SampleTest" time="0.01">
            <failure message="KVM API version ==&gt; expected: &lt;12&gt; but was: &lt;11&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: KVM API version ==> expected: <12> but was: <11>
            	at org.junit.jupiter.api.Assertions.assertEquals(Assertions.java:601)
            	at io.stockade.SampleTest.fails(SampleTest.java:4)
            ]]></failure>
            <system-out><![CDATA[
            unique-id: [engine:junit-jupiter]/[class:io.stockade.SampleTest]/[method:fails()]
            ]]></system-out>
            </testcase>
            <testcase name="passes()" classname="io.stockade.SampleTest" time="0.009">
            </testcase>
            <testcase name="skipped()" classname="io.stockade.SampleTest" time="0">
            <skipped><![CDATA[needs two vCPUs]]></skipped>
            </testcase>
            </testsuite>
            """;

    @TempDir
    Path dir;

    @Test
    void eachTestCaseIsReadWithItsOutcome() throws IOException {
        List<L1TestCase> cases = parse(REPORT);

        assertEquals(List.of("SampleTest.errors()", "SampleTest.fails()", "SampleTest.passes()", "SampleTest.skipped()"),
                cases.stream().map(L1TestCase::displayName).toList());
        assertEquals(List.of(L1TestCase.Status.FAILED, L1TestCase.Status.FAILED, L1TestCase.Status.PASSED,
                L1TestCase.Status.SKIPPED), cases.stream().map(L1TestCase::status).toList());
        assertEquals("boom <&>", cases.get(0).message());
        assertEquals("needs two vCPUs", cases.get(3).message());
    }

    @Test
    void aFailureInL1FailsItsHostTestWithTheMessageAndTheInL1StackTrace() throws IOException {
        DynamicTest fails = byName(L1TestReport.dynamicTests(completed(1), parse(REPORT)), "SampleTest.fails()");

        AssertionError error = assertThrows(AssertionError.class, () -> fails.getExecutable().execute());
        assertTrue(error.getMessage().startsWith("SampleTest.fails() failed in L1: KVM API version ==> expected: <12> but was: <11>"),
                error.getMessage());
        assertTrue(error.getMessage().contains("at io.stockade.SampleTest.fails(SampleTest.java:4)"), error.getMessage());
    }

    @Test
    void passingAndSkippedTestsReplayAsSuchAndACompletedRunAddsNothing() throws IOException {
        List<DynamicTest> tests = L1TestReport.dynamicTests(completed(1), parse(REPORT));

        assertEquals(4, tests.size(), "one host test per L1 test, none for the run since tests failed");
        assertDoesNotThrow(() -> byName(tests, "SampleTest.passes()").getExecutable().execute());
        var skipped = assertThrows(TestAbortedException.class,
                () -> byName(tests, "SampleTest.skipped()").getExecutable().execute());
        assertTrue(skipped.getMessage().contains("needs two vCPUs"));
    }

    @Test
    void aRunThatDidNotCompleteAddsAFailingTestWithTheSerialLogTail() throws IOException {
        Files.writeString(dir.resolve("serial.log"), "Kernel panic - not syncing: VFS\n");
        L1Result crashed = result(L1Result.Outcome.L1_FAILED, OptionalInt.empty(), "QEMU exited with status 0");

        List<DynamicTest> tests = L1TestReport.dynamicTests(crashed, List.of());

        assertEquals(List.of("L1 run"), tests.stream().map(DynamicTest::getDisplayName).toList());
        AssertionError error = assertThrows(AssertionError.class, () -> tests.get(0).getExecutable().execute());
        assertTrue(error.getMessage().contains("L1_FAILED") && error.getMessage().contains("Kernel panic"),
                error.getMessage());
    }

    @Test
    void aLauncherFailureWithoutFailedTestsIsReportedWithTheJobLog() throws IOException {
        Files.writeString(dir.resolve("job.log"), "Error: Could not find or load main class\n");

        List<DynamicTest> tests = L1TestReport.dynamicTests(completed(1), List.of());

        assertEquals(List.of("L1 test launcher"), tests.stream().map(DynamicTest::getDisplayName).toList());
        AssertionError error = assertThrows(AssertionError.class, () -> tests.get(0).getExecutable().execute());
        assertTrue(error.getMessage().contains("exited with 1") && error.getMessage().contains("Could not find"),
                error.getMessage());
    }

    @Test
    void aCleanExitWithoutAnyTestResultIsStillAFailure() {
        List<DynamicTest> tests = L1TestReport.dynamicTests(completed(0), List.of());

        assertEquals(List.of("L1 test launcher"), tests.stream().map(DynamicTest::getDisplayName).toList());
        assertThrows(AssertionError.class, () -> tests.get(0).getExecutable().execute());
    }

    @Test
    void aCrashedTestJvmPointsAtItsCrashLog() throws IOException {
        Files.writeString(dir.resolve("hs_err_pid321.log"), "# A fatal error has been detected\n");

        List<DynamicTest> tests = L1TestReport.dynamicTests(completed(134), List.of());

        AssertionError error = assertThrows(AssertionError.class, () -> tests.get(0).getExecutable().execute());
        assertTrue(error.getMessage().contains("crashed; see " + dir.resolve("hs_err_pid321.log")), error.getMessage());
    }

    @Test
    void anUnreadableReportFailsTheRunInsteadOfPassingSilently() throws IOException {
        Path reports = Files.createDirectories(dir.resolve(L1TestReport.REPORTS_DIR));
        Files.writeString(reports.resolve("TEST-junit-jupiter.xml"), "<testsuite><testcase name=");

        List<DynamicTest> tests = L1TestReport.dynamicTests(completed(0));

        assertEquals(List.of("L1 test reports"), tests.stream().map(DynamicTest::getDisplayName).toList());
        AssertionError error = assertThrows(AssertionError.class, () -> tests.get(0).getExecutable().execute());
        assertTrue(error.getMessage().contains("TEST-junit-jupiter.xml"), error.getMessage());
    }

    @Test
    void reportsWithADoctypeAreRefused() {
        String hostile = "<?xml version=\"1.0\"?><!DOCTYPE t [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<testsuite><testcase name=\"&x;\" classname=\"C\"/></testsuite>";

        var e = assertThrows(IOException.class, () -> parse(hostile));
        assertTrue(e.getMessage().contains("malformed JUnit XML report"), e.getMessage());
    }

    @Test
    void aTestCaseWithoutANameIsAnError() {
        assertThrows(IOException.class, () -> parse("<testsuite><testcase classname=\"C\"/></testsuite>"));
    }

    private static List<L1TestCase> parse(String xml) throws IOException {
        return JUnitXmlReport.parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), "test.xml");
    }

    private L1Result completed(int exitCode) {
        return result(L1Result.Outcome.COMPLETED, OptionalInt.of(exitCode), "");
    }

    private L1Result result(L1Result.Outcome outcome, OptionalInt exitCode, String problem) {
        return new L1Result(outcome, exitCode, problem, dir, dir.resolve("serial.log"), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(30));
    }

    private static DynamicTest byName(List<DynamicTest> tests, String name) {
        return tests.stream().filter(t -> t.getDisplayName().equals(name)).findFirst().orElseThrow();
    }
}
