package io.stockade.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the files of one cgroup directory. A file that does not exist means its controller is not
 * enabled for the cgroup, which is normal (empty results); any other read failure or malformed
 * content is a {@link CgroupException}.
 */
record CgroupFiles(Path dir) {

    /** The text of {@code name}, or empty when the file does not exist. */
    Optional<String> text(String name) {
        Path file = dir.resolve(name);
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + e, e);
        }
    }

    /** A single-value file (a counter, a limit or {@code max}). */
    Optional<Long> value(String name) {
        return text(name)
                .map(String::strip)
                .filter(t -> !t.isEmpty())
                .map(t -> FlatKeyedFile.parseValue(dir.resolve(name).toString(), "value", t));
    }

    /** A flat keyed file; empty map when it does not exist. */
    Map<String, Long> keyed(String name) {
        return text(name)
                .map(t -> FlatKeyedFile.parse(dir.resolve(name).toString(), t))
                .orElse(Map.of());
    }
}
