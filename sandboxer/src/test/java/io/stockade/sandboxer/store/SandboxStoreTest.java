package io.stockade.sandboxer.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

class SandboxStoreTest {
    @TempDir Path dir;

    private static SandboxRecord record(String id) {
        return SandboxRecord.created(
                id,
                "k8s.io",
                "/var/run/netns/cni-1",
                Map.of("a", "b"),
                new byte[] {1, 2, 3},
                Instant.parse("2026-01-02T03:04:05.123456789Z"),
                "process");
    }

    @Test
    void recordsRoundTripThroughTheirFile() {
        SandboxStore store = new SandboxStore(dir);
        SandboxRecord started = record("p1").started(4242, Instant.parse("2026-01-02T03:04:06Z"));
        SandboxRecord stopped = record("p2").stopped(137, Instant.parse("2026-01-02T03:05:00Z"));
        store.put(started);
        store.put(stopped);
        List<SandboxRecord> loaded = new SandboxStore(dir).loadAll();
        assertEquals(2, loaded.size());
        assertEquals(
                started,
                loaded.stream().filter(r -> r.id().equals("p1")).findFirst().orElseThrow());
        assertEquals(
                stopped,
                loaded.stream().filter(r -> r.id().equals("p2")).findFirst().orElseThrow());
        assertArrayEquals(new byte[] {1, 2, 3}, loaded.getFirst().podConfig());
    }

    @Test
    void aRewriteReplacesTheRecordAndLeavesNoTemporaryFile() throws IOException {
        SandboxStore store = new SandboxStore(dir);
        store.put(record("p1"));
        store.put(record("p1").started(7, Instant.EPOCH));
        assertEquals(SandboxRecord.State.STARTED, store.loadAll().getFirst().state());
        try (var files = Files.list(dir.resolve("p1"))) {
            assertEquals(List.of(dir.resolve("p1/sandbox.json")), files.toList());
        }
    }

    @Test
    void aTornTemporaryFileFromACrashDoesNotHideTheLastGoodRecord() throws IOException {
        SandboxStore store = new SandboxStore(dir);
        store.put(record("p1"));
        // A crash between writing the temp file and renaming it leaves a partial temp file behind.
        Files.writeString(dir.resolve("p1/sandbox.json.tmp"), "{\"id\":\"p1\",\"sta");
        assertEquals(List.of(record("p1")), store.loadAll());
        store.put(record("p1").started(1, Instant.EPOCH));
        assertEquals(SandboxRecord.State.STARTED, store.loadAll().getFirst().state());
    }

    @Test
    void unreadableRecordsAreSkippedNotFatal() throws IOException {
        SandboxStore store = new SandboxStore(dir);
        store.put(record("good"));
        Files.createDirectories(dir.resolve("garbage"));
        Files.writeString(dir.resolve("garbage/sandbox.json"), "not json");
        Files.createDirectories(dir.resolve("empty"));
        Files.createDirectories(dir.resolve("renamed"));
        Files.copy(dir.resolve("good/sandbox.json"), dir.resolve("renamed/sandbox.json"));
        assertEquals(List.of(record("good")), store.loadAll());
    }

    @Test
    void removeDeletesTheSandboxDirectoryAndToleratesAbsence() {
        SandboxStore store = new SandboxStore(dir);
        store.put(record("p1"));
        store.remove("p1");
        store.remove("p1");
        assertFalse(Files.exists(dir.resolve("p1")));
        assertThrows(IllegalArgumentException.class, () -> store.remove(".."));
    }

    @Test
    void aMissingStateDirHoldsNoRecords() {
        assertEquals(List.of(), new SandboxStore(dir.resolve("absent")).loadAll());
    }
}
