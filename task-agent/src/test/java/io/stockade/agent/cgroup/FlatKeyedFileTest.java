package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.Map;

class FlatKeyedFileTest {

    @Test
    void parsesKeyValueLinesInOrderWithMaxAsUnlimited() {
        Map<String, Long> values =
                FlatKeyedFile.parse("memory.events", "low 0\nhigh 3\nmax max\noom 1\noom_kill 2\n");
        assertEquals(
                Map.of("low", 0L, "high", 3L, "max", Long.MAX_VALUE, "oom", 1L, "oom_kill", 2L),
                values);
        assertEquals(
                java.util.List.of("low", "high", "max", "oom", "oom_kill"),
                java.util.List.copyOf(values.keySet()));
    }

    @Test
    void readsV1OomControl() {
        Map<String, Long> values =
                FlatKeyedFile.parse(
                        "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
        assertEquals(4L, values.get("oom_kill"));
    }

    @Test
    void rejectsMalformedLinesNamingTheFileAndLine() {
        CgroupException error =
                assertThrows(
                        CgroupException.class,
                        () ->
                                FlatKeyedFile.parse(
                                        "/sys/fs/cgroup/x/memory.stat", "anon 12\nfile twelve\n"));
        assertTrue(error.getMessage().contains("/sys/fs/cgroup/x/memory.stat"), error.getMessage());
        assertTrue(error.getMessage().contains("twelve"), error.getMessage());
        assertThrows(CgroupException.class, () -> FlatKeyedFile.parse("f", "just-a-key\n"));
        assertThrows(CgroupException.class, () -> FlatKeyedFile.parse("f", "negative -1\n"));
    }
}
