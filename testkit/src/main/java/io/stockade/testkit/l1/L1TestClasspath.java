package io.stockade.testkit.l1;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The calling module's test classpath, rearranged for the JUnit console launcher in L1: the launcher's standalone
 * jar (which bundles the JUnit Platform, Jupiter, opentest4j and apiguardian) first, and the separate copies of
 * those jars dropped so each JUnit class exists once.
 *
 * @param standaloneJar   {@code junit-platform-console-standalone-*.jar}
 * @param entries         the classpath to run with, standalone jar first
 * @param testClassesDirs the module's compiled test directories ({@code target/test-classes}), for scanning
 */
record L1TestClasspath(Path standaloneJar, List<Path> entries, List<Path> testClassesDirs) {
    /** Under surefire the forked JVM's own java.class.path is a manifest-only jar; this property has the real one. */
    static final String SUREFIRE_PROPERTY = "surefire.test.class.path";
    private static final Pattern STANDALONE = Pattern.compile("junit-platform-console-standalone-.*\\.jar");
    private static final Pattern BUNDLED = Pattern.compile("(junit-(jupiter|platform|vintage)|opentest4j|apiguardian)-.*\\.jar");
    /** L1 mounts its own file systems on these, hiding the host's files there ({@code /tmp} stays visible: L1
     * overlays a writable layer on the host's). */
    private static final List<Path> HIDDEN_IN_L1 = List.of(Path.of("/run"), Path.of("/proc"), Path.of("/sys"),
            Path.of("/dev"));

    static L1TestClasspath ofCurrentJvm() {
        String classpath = System.getProperty(SUREFIRE_PROPERTY, System.getProperty("java.class.path"));
        return of(Arrays.stream(classpath.split(File.pathSeparator)).filter(e -> !e.isBlank()).map(Path::of).toList());
    }

    static L1TestClasspath of(List<Path> classpath) {
        Path standalone = null;
        List<Path> rest = new ArrayList<>();
        List<Path> testClasses = new ArrayList<>();
        for (Path raw : classpath) {
            Path entry = raw.toAbsolutePath().normalize();
            for (Path hidden : HIDDEN_IN_L1) {
                if (entry.startsWith(hidden)) {
                    throw new IllegalArgumentException("test classpath entry " + entry + " lies under " + hidden
                            + ", which L1 replaces with its own file system; build somewhere else");
                }
            }
            String name = entry.getFileName() == null ? "" : entry.getFileName().toString();
            if (STANDALONE.matcher(name).matches()) {
                standalone = standalone == null ? entry : standalone;
            } else if (!BUNDLED.matcher(name).matches()) {
                rest.add(entry);
                if (name.equals("test-classes") && Files.isDirectory(entry)) {
                    testClasses.add(entry);
                }
            }
        }
        if (standalone == null) {
            throw new IllegalStateException("no junit-platform-console-standalone jar on the test classpath; the L1"
                    + " runner needs it (stockade-testkit depends on org.junit.platform:junit-platform-console-standalone)");
        }
        List<Path> entries = new ArrayList<>();
        entries.add(standalone);
        entries.addAll(rest);
        return new L1TestClasspath(standalone, List.copyOf(entries), List.copyOf(testClasses));
    }

    String joined() {
        return String.join(File.pathSeparator, entries.stream().map(Path::toString).toList());
    }
}
