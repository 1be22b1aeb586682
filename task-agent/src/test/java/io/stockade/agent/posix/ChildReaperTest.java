package io.stockade.agent.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Real child processes (busybox-free: /bin/sh), no root needed. */
class ChildReaperTest {
    private final ChildReaper reaper = ChildReaper.instance();
    @TempDir Path dir;

    private SpawnSpec sh(String script, ChildStdio stdout) {
        return new SpawnSpec(
                List.of("/bin/sh", "-c", script),
                Map.of("PATH", "/usr/bin:/bin"),
                ChildStdio.devNull(),
                stdout,
                ChildStdio.devNull());
    }

    @Test
    void reportsExitCodesAndSignalsAs128PlusSignal() throws Exception {
        assertEquals(
                0,
                reaper.spawn(sh("exit 0", ChildStdio.devNull()))
                        .exit()
                        .get(30, TimeUnit.SECONDS)
                        .code());
        assertEquals(
                7,
                reaper.spawn(sh("exit 7", ChildStdio.devNull()))
                        .exit()
                        .get(30, TimeUnit.SECONDS)
                        .code());
        assertEquals(
                137,
                reaper.spawn(sh("kill -9 $$", ChildStdio.devNull()))
                        .exit()
                        .get(30, TimeUnit.SECONDS)
                        .code());
    }

    @Test
    void collectsOrphansReparentedToTheAgent() throws Exception {
        Path pidFile = dir.resolve("orphan.pid");
        ChildReaper.Child parent =
                reaper.spawn(
                        sh("sleep 0.3 & echo $! > " + pidFile + "; exit 0", ChildStdio.devNull()));
        assertEquals(0, parent.exit().get(30, TimeUnit.SECONDS).code());
        int orphan = Integer.parseInt(Files.readString(pidFile).strip());
        assertEquals(
                0,
                reaper.exitOf(orphan).get(30, TimeUnit.SECONDS).code(),
                "the orphaned sleep becomes our child and its exit is delivered");
    }

    @Test
    void wiresStdioAndClosesEverythingElse() throws Exception {
        Path out = dir.resolve("out");
        Pipe pipe = Pipe.open("test pipe");
        try (Fd readEnd = pipe.readEnd();
                Fd writeEnd = pipe.writeEnd()) {
            // The child lists its descriptors: only 0, 1, 2 (and the one ls opens itself) must be
            // there.
            ChildReaper.Child child =
                    reaper.spawn(
                            new SpawnSpec(
                                    List.of("/bin/sh", "-c", "ls /proc/self/fd; echo err >&2"),
                                    Map.of("PATH", "/usr/bin:/bin"),
                                    new ChildStdio.Descriptor(readEnd),
                                    new ChildStdio.File(out),
                                    new ChildStdio.Descriptor(writeEnd)));
            assertEquals(0, child.exit().get(30, TimeUnit.SECONDS).code());
            List<String> fds = Files.readAllLines(out);
            assertTrue(
                    fds.size() <= 4 && fds.containsAll(List.of("0", "1", "2")),
                    "child descriptors: " + fds);
            writeEnd.close();
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                var buffer = arena.allocate(64);
                int n = readEnd.read(buffer);
                assertEquals(
                        "err\n",
                        new String(
                                buffer.asSlice(0, n)
                                        .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
            }
        }
    }

    @Test
    void aMissingProgramIsAnErrnoNamingIt() {
        ErrnoException error =
                assertThrows(
                        ErrnoException.class,
                        () ->
                                reaper.spawn(
                                        new SpawnSpec(
                                                List.of("/nonexistent/prog"),
                                                Map.of(),
                                                ChildStdio.devNull(),
                                                ChildStdio.devNull(),
                                                ChildStdio.devNull())));
        assertEquals(2, error.errno());
        assertTrue(error.getMessage().contains("/nonexistent/prog"), error.getMessage());
    }

    @Test
    void decodesWaitStatusWords() {
        assertEquals(3, ExitStatus.fromWaitStatus(3 << 8, Instant.EPOCH).code());
        assertEquals(128 + 9, ExitStatus.fromWaitStatus(9, Instant.EPOCH).code());
        assertEquals(
                128 + 11,
                ExitStatus.fromWaitStatus(11 | 0x80, Instant.EPOCH).code(),
                "core dumped");
    }
}
