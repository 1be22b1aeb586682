package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The v2 path of the watcher with an ordinary file standing in for memory.events (inotify treats
 * both alike).
 */
class OomWatcherTest {
    @TempDir Path dir;

    @Test
    void everyModificationOfTheEventsFileWakesItsCallbackUntilClosed() throws Exception {
        Path events = Files.writeString(dir.resolve("memory.events"), "oom_kill 0\n");
        Path other = Files.writeString(dir.resolve("other.events"), "oom_kill 0\n");
        LinkedBlockingQueue<String> wakes = new LinkedBlockingQueue<>();
        try (OomWatcher watcher = OomWatcher.start()) {
            OomWatcher.Watch first = watcher.watchFile(events, () -> wakes.add("c1"));
            OomWatcher.Watch second = watcher.watchFile(other, () -> wakes.add("c2"));
            Files.writeString(events, "oom_kill 1\n");
            awaitWake(wakes, "c1");
            Files.writeString(other, "oom_kill 1\n");
            awaitWake(wakes, "c2");

            first.close();
            first.close();
            second.close();
            roundTrip(watcher, wakes);
            wakes.clear();
            Files.writeString(events, "oom_kill 2\n");
            Files.writeString(other, "oom_kill 2\n");
            roundTrip(watcher, wakes);
            assertTrue(
                    wakes.stream().allMatch("probe"::equals),
                    "closed watches are not called: " + wakes);
        }
    }

    /**
     * Wakes are hints (a truncate and a write are two), so wait for the expected one and ignore
     * repeats.
     */
    private static void awaitWake(LinkedBlockingQueue<String> wakes, String expected)
            throws InterruptedException {
        while (true) {
            String wake = wakes.poll(10, TimeUnit.SECONDS);
            assertTrue(wake != null, "no wake for " + expected);
            if (wake.equals(expected)) {
                return;
            }
        }
    }

    /**
     * A modification watched after everything before it: once it is seen, earlier events were
     * dispatched too.
     */
    private void roundTrip(OomWatcher watcher, LinkedBlockingQueue<String> wakes) throws Exception {
        Path probe = Files.writeString(dir.resolve("probe"), "");
        try (OomWatcher.Watch watch = watcher.watchFile(probe, () -> wakes.add("probe"))) {
            Files.writeString(probe, "x");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!wakes.contains("probe")) {
                assertTrue(System.nanoTime() < deadline, "the probe was never seen");
                Thread.sleep(10);
            }
        }
    }

    @Test
    void watchingAMissingFileIsAnErrorNamingIt() {
        try (OomWatcher watcher = OomWatcher.start()) {
            CgroupException error =
                    assertThrows(
                            CgroupException.class,
                            () -> watcher.watchFile(dir.resolve("gone/memory.events"), () -> {}));
            assertTrue(error.getMessage().contains("gone/memory.events"), error.getMessage());
        }
    }

    @Test
    void aClosedWatcherRefusesNewWatches() throws IOException {
        Path events = Files.writeString(dir.resolve("memory.events"), "oom_kill 0\n");
        OomWatcher watcher = OomWatcher.start();
        watcher.close();
        assertThrows(CgroupException.class, () -> watcher.watchFile(events, () -> {}));
    }
}
