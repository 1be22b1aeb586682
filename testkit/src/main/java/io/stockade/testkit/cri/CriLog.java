package io.stockade.testkit.cri;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The entries of a CRI container log file, with split lines joined back per stream. */
public record CriLog(List<CriLogEntry> entries) {
    public CriLog {
        entries = List.copyOf(entries);
    }

    /** Reads and parses a log file; a file that does not exist (yet) is an empty log. */
    public static CriLog read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new CriLog(List.of());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CRI log " + file, e);
        }
    }

    public static CriLog parse(String text) {
        List<CriLogEntry> entries = new ArrayList<>();
        // A line still being written has no newline yet; it is not part of the log until it does.
        int complete = text.lastIndexOf('\n') + 1;
        for (String line : text.substring(0, complete).split("\n")) {
            if (!line.isEmpty()) {
                entries.add(CriLogEntry.parse(line));
            }
        }
        return new CriLog(entries);
    }

    /** The complete lines of one stream, partial entries joined; a trailing partial line is left out. */
    public List<String> lines(CriLogEntry.Stream stream) {
        List<String> lines = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (CriLogEntry entry : entries) {
            if (entry.stream() != stream) {
                continue;
            }
            pending.append(entry.content());
            if (!entry.partial()) {
                lines.add(pending.toString());
                pending.setLength(0);
            }
        }
        return lines;
    }
}
