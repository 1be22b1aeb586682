package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class L1TestClasspathTest {
    private static final Path M2 = Path.of("/root/.m2/repository");
    private static final Path STANDALONE = M2.resolve("org/junit/platform/junit-platform-console-standalone/6.1.3/junit-platform-console-standalone-6.1.3.jar");
    private static final Path GUAVA = M2.resolve("com/google/guava/guava/33.8.0-jre/guava-33.8.0-jre.jar");

    @Test
    void standaloneJarGoesFirstAndTheJarsItBundlesAreDropped() throws IOException {
        Path module = Files.createDirectories(Path.of("target", "l1-classpath-test", "test-classes")).toAbsolutePath();
        Path classes = module.resolveSibling("classes");

        L1TestClasspath cp = L1TestClasspath.of(List.of(module, classes,
                M2.resolve("org/junit/jupiter/junit-jupiter-api/6.1.3/junit-jupiter-api-6.1.3.jar"),
                M2.resolve("org/junit/platform/junit-platform-launcher/6.1.3/junit-platform-launcher-6.1.3.jar"),
                M2.resolve("org/opentest4j/opentest4j/1.3.0/opentest4j-1.3.0.jar"),
                M2.resolve("org/apiguardian/apiguardian-api/1.1.2/apiguardian-api-1.1.2.jar"),
                GUAVA, STANDALONE));

        assertEquals(List.of(STANDALONE, module, classes, GUAVA), cp.entries());
        assertEquals(List.of(module), cp.testClassesDirs());
        assertEquals(STANDALONE + ":" + module + ":" + classes + ":" + GUAVA, cp.joined());
    }

    @Test
    void withoutTheStandaloneLauncherTheErrorSaysWhatToAdd() {
        var e = assertThrows(IllegalStateException.class, () -> L1TestClasspath.of(List.of(GUAVA)));
        assertTrue(e.getMessage().contains("junit-platform-console-standalone"), e.getMessage());
    }

    @Test
    void entriesUnderTmpAreAllowedBecauseL1OverlaysTheHostsTmp() {
        L1TestClasspath cp = L1TestClasspath.of(List.of(STANDALONE, Path.of("/tmp/clone/target/classes")));

        assertEquals(List.of(STANDALONE, Path.of("/tmp/clone/target/classes")), cp.entries());
    }

    @Test
    void entriesThatL1CannotSeeAreRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> L1TestClasspath.of(List.of(STANDALONE, Path.of("/run/build/classes"))));
        assertTrue(e.getMessage().contains("/run/build/classes"), e.getMessage());
    }

    @Test
    void underSurefireTheRealClasspathIncludesThisModulesTestClasses() {
        L1TestClasspath cp = L1TestClasspath.ofCurrentJvm();

        assertTrue(cp.testClassesDirs().stream().anyMatch(d -> d.endsWith("testkit/target/test-classes")),
                cp.testClassesDirs().toString());
    }
}
