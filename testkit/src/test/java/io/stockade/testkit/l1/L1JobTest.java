package io.stockade.testkit.l1;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rendered job.sh is run with the host's /bin/sh here, as L1 runs it with the same shell. */
class L1JobTest {
    @TempDir
    Path dir;

    @Test
    void commandWordsReachTheProgramLiterally() throws Exception {
        L1Job job = L1Job.command("printf", "%s|", "a b", "it's", "$HOME", "`id`", "").withWorkDir(dir);

        assertEquals("a b|it's|$HOME|`id`||", runOnHost(job));
    }

    @Test
    void environmentAndWorkingDirectoryAreSetBeforeTheScript() throws Exception {
        L1Job job = L1Job.script("echo \"$GREETING in $(pwd)\"")
                .withEnv("GREETING", "it's \"quoted\" $not expanded")
                .withWorkDir(dir);

        assertEquals("it's \"quoted\" $not expanded in " + dir + "\n", runOnHost(job));
    }

    @Test
    void aMissingWorkDirFailsTheJobWithStatus125() throws Exception {
        L1Job job = L1Job.script("echo should not run").withWorkDir(dir.resolve("missing"));
        Path script = Files.writeString(dir.resolve("job.sh"), job.render());

        Process sh = new ProcessBuilder("/bin/sh", script.toString()).redirectErrorStream(true).start();
        sh.getInputStream().readAllBytes();
        assertTrue(sh.waitFor(30, TimeUnit.SECONDS));
        assertEquals(125, sh.exitValue());
    }

    @Test
    void defaultsAreFourGibibytesAndTenMinutes() {
        L1Job job = L1Job.script("true");
        assertEquals(4096, job.memoryMiB());
        assertEquals(Duration.ofMinutes(10), job.timeout());
        assertEquals(Map.of(), job.env());
        assertTrue(job.workDir().isAbsolute());
    }

    @Test
    void badInputIsRefusedUpFront() {
        L1Job job = L1Job.script("true");
        assertThrows(IllegalArgumentException.class, () -> job.withEnv("NOT-A-NAME", "x"));
        assertThrows(IllegalArgumentException.class, () -> job.withEnv("A=B", "x"));
        assertThrows(IllegalArgumentException.class, () -> job.withWorkDir(Path.of("relative")));
        assertThrows(IllegalArgumentException.class, () -> job.withMemoryMiB(64));
        assertThrows(IllegalArgumentException.class, () -> job.withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> L1Job.command(List.of()));
        assertThrows(IllegalArgumentException.class, () -> L1Job.command("echo", "nul\0byte"));
    }

    private String runOnHost(L1Job job) throws Exception {
        Path script = Files.writeString(dir.resolve("job.sh"), job.render());
        Process sh = new ProcessBuilder("/bin/sh", script.toString()).redirectErrorStream(true).start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(sh.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, sh.exitValue(), out);
        return out;
    }
}
