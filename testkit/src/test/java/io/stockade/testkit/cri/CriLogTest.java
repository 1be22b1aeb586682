package io.stockade.testkit.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

class CriLogTest {

    @Test
    void parsesTimeStreamTagAndContent() {
        CriLogEntry entry = CriLogEntry.parse("2025-11-23T18:00:01.123456789Z stderr F oops: two  spaces ");
        assertEquals(Instant.parse("2025-11-23T18:00:01.123456789Z"), entry.time());
        assertEquals(CriLogEntry.Stream.STDERR, entry.stream());
        assertEquals(false, entry.partial());
        assertEquals("oops: two  spaces ", entry.content());
    }

    @Test
    void anEmptyLineHasNoContentField() {
        assertEquals("", CriLogEntry.parse("2025-11-23T18:00:01Z stdout F").content());
    }

    @Test
    void joinsPartialLinesPerStream() {
        CriLog log = CriLog.parse("""
                2025-11-23T18:00:01Z stdout P hel
                2025-11-23T18:00:01Z stderr F warning
                2025-11-23T18:00:02Z stdout F lo
                2025-11-23T18:00:03Z stdout F world
                2025-11-23T18:00:04Z stdout P unfinished
                """);
        assertEquals(List.of("hello", "world"), log.lines(CriLogEntry.Stream.STDOUT));
        assertEquals(List.of("warning"), log.lines(CriLogEntry.Stream.STDERR));
    }

    @Test
    void ignoresALineStillBeingWritten() {
        CriLog log = CriLog.parse("2025-11-23T18:00:01Z stdout F done\n2025-11-23T18:00:02Z std");
        assertEquals(List.of("done"), log.lines(CriLogEntry.Stream.STDOUT));
    }

    @Test
    void aMissingFileIsAnEmptyLog(@TempDir Path dir) throws IOException {
        assertTrue(CriLog.read(dir.resolve("none.log")).entries().isEmpty());
        Path file = dir.resolve("c.log");
        Files.writeString(file, "2025-11-23T18:00:01Z stdout F x\n");
        assertEquals(List.of("x"), CriLog.read(file).lines(CriLogEntry.Stream.STDOUT));
    }

    @Test
    void malformedLinesAreRejectedWithTheLineQuoted() {
        for (String line : List.of("garbage", "yesterday stdout F x", "2025-11-23T18:00:01Z stdin F x",
                "2025-11-23T18:00:01Z stdout X x")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CriLogEntry.parse(line));
            assertTrue(e.getMessage().contains(line), e.getMessage());
        }
    }
}
