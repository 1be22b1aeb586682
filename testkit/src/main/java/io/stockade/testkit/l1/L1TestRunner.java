package io.stockade.testkit.l1;

import org.junit.jupiter.api.DynamicTest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs a module's {@code @Tag("l1")} tests inside one L1 guest, where {@code /dev/kvm} is real, and reports each of
 * them as an ordinary host test. The test JVM in L1 is the host's JDK running the JUnit console launcher on the
 * module's test classpath (so build first, on the host); its XML reports come back through the run's results dir.
 *
 * <pre>{@code
 * class KvmTierTest {
 *     @Tag("kvm")
 *     @TestFactory
 *     Stream<DynamicTest> l1() {
 *         return L1TestRunner.runTaggedInL1();      // every @Tag("l1") test of this module
 *     }
 * }
 * }</pre>
 *
 * A test JVM in L1 starts in seconds and runs Java about 10x slower than the host, so keep l1 tests coarse and boot
 * L1 once per module. Inside L1, tests may write to {@code /tmp} (a tmpfs) and to {@code $STOCKADE_L1_RESULTS}; the
 * rest of the file system is the host's, read-only.
 */
public final class L1TestRunner {
    /** The JUnit tag of tests that must run inside L1 (never on the host JVM). */
    public static final String TAG = "l1";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(15);
    /** JIT compilation is emulated too, so C1 only and the serial collector start and run fastest in L1. */
    static final List<String> BASE_JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED",
            "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.io.tmpdir=/tmp");
    private static final String LAUNCHER = "org.junit.platform.console.ConsoleLauncher";
    static final String CRASH_LOG = "hs_err_pid%p.log";
    private static final System.Logger LOG = System.getLogger(L1TestRunner.class.getName());

    private final int memoryMiB;
    private final Duration timeout;
    private final List<String> jvmOptions;

    private L1TestRunner(int memoryMiB, Duration timeout, List<String> jvmOptions) {
        this.memoryMiB = memoryMiB;
        this.timeout = timeout;
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    /** A runner with 4 GiB of L1 memory, a 15-minute limit and no extra JVM options. */
    public static L1TestRunner create() {
        return new L1TestRunner(L1Job.DEFAULT_MEMORY_MIB, DEFAULT_TIMEOUT, List.of());
    }

    /** Runs the {@code @Tag("l1")} tests of {@code testClasses}, or of the whole module when none are given. */
    public static Stream<DynamicTest> runTaggedInL1(Class<?>... testClasses) {
        return create().run(testClasses);
    }

    public L1TestRunner withMemoryMiB(int mib) {
        return new L1TestRunner(mib, timeout, jvmOptions);
    }

    public L1TestRunner withTimeout(Duration limit) {
        return new L1TestRunner(memoryMiB, limit, jvmOptions);
    }

    /** Extra options for the test JVM in L1 (e.g. {@code -Dsome.property=value}). */
    public L1TestRunner withJvmOptions(String... options) {
        List<String> all = new ArrayList<>(jvmOptions);
        all.addAll(Arrays.asList(options));
        return new L1TestRunner(memoryMiB, timeout, all);
    }

    /** Runs the {@code @Tag("l1")} tests of {@code testClasses}, or of the whole module when none are given. */
    public Stream<DynamicTest> run(Class<?>... testClasses) {
        L1TestClasspath classpath = L1TestClasspath.ofCurrentJvm();
        List<String> selectors = new ArrayList<>();
        if (testClasses.length == 0) {
            if (classpath.testClassesDirs().isEmpty()) {
                throw new IllegalStateException("no test-classes directory on the test classpath to scan for @Tag(\""
                        + TAG + "\") tests; name the test classes instead");
            }
            classpath.testClassesDirs().forEach(dir -> selectors.add("--scan-classpath=" + dir));
        } else {
            selectors.add("--include-classname=.*"); // explicitly named classes run whatever their name
            Arrays.stream(testClasses).forEach(c -> selectors.add("--select-class=" + c.getName()));
        }
        return runLauncher(classpath, selectors);
    }

    /** Runs the {@code @Tag("l1")} tests in the given packages (and their subpackages). */
    public Stream<DynamicTest> runPackages(String... packages) {
        if (packages.length == 0) {
            throw new IllegalArgumentException("name at least one package");
        }
        return runLauncher(L1TestClasspath.ofCurrentJvm(),
                Arrays.stream(packages).map(p -> "--select-package=" + p).toList());
    }

    private Stream<DynamicTest> runLauncher(L1TestClasspath classpath, List<String> selectors) {
        L1Result run = guest().run(job(classpath, selectors));
        LOG.log(System.Logger.Level.INFO, "L1 test run {0}: boot {1}, tests {2}, total {3}; results in {4}",
                run.outcome(), run.boot().map(Duration::toString).orElse("-"),
                run.job().map(Duration::toString).orElse("-"), run.total(), run.resultsDir());
        return L1TestReport.dynamicTests(run).stream();
    }

    L1Job job(L1TestClasspath classpath, List<String> selectors) {
        List<String> jvm = new ArrayList<>();
        jvm.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvm.addAll(BASE_JVM_OPTIONS);
        jvm.addAll(jvmOptions);
        List<String> launcher = new ArrayList<>(List.of(LAUNCHER, "execute", "--disable-banner",
                "--disable-ansi-colors", "--details=tree", "--details-theme=ascii", "--include-engine=junit-jupiter",
                "--include-tag=" + TAG, "--fail-if-no-tests"));
        launcher.addAll(selectors);
        // The results dir is only known inside L1, hence the two words left unquoted for the shell. A JVM crash log
        // (FFM code can crash the JVM) goes there too: the default, the working directory, is read-only in L1.
        String script = "exec " + ShellQuoting.quoteAll(jvm)
                + " -XX:ErrorFile=\"$STOCKADE_L1_RESULTS/" + CRASH_LOG + "\" "
                + ShellQuoting.quoteAll(launcher)
                + " --reports-dir=\"$STOCKADE_L1_RESULTS/" + L1TestReport.REPORTS_DIR + "\"\n";
        return L1Job.script(script)
                .withMemoryMiB(memoryMiB)
                .withTimeout(timeout)
                .withEnv("CLASSPATH", classpath.joined())
                .withEnv("LANG", "C.UTF-8");
    }

    /** Runs go under the module's {@code target/} when there is one, so their logs and reports outlive the build. */
    private static L1Guest guest() {
        Path target = Path.of("target").toAbsolutePath();
        return Files.isDirectory(target) ? L1Guest.withRunsUnder(target.resolve("l1-runs")) : L1Guest.create();
    }
}
