package io.stockade.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The cgroup "flat keyed" file format: one {@code key value} pair per line, e.g. {@code
 * memory.stat}, {@code memory.events}, {@code cpu.stat} and v1 {@code memory.oom_control}.
 */
final class FlatKeyedFile {
    private FlatKeyedFile() {}

    /** Reads and parses {@code file}. */
    static Map<String, Long> read(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new CgroupException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Parses {@code text}; {@code source} names it in errors.
     *
     * @throws CgroupException quoting the first line that is not a key and an unsigned number
     */
    static Map<String, Long> parse(String source, String text) {
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] words = line.strip().split("\\s+");
            if (words.length != 2) {
                throw new CgroupException(source + ": line '" + line + "' is not '<key> <value>'");
            }
            values.put(words[0], parseValue(source, words[0], words[1]));
        }
        return values;
    }

    /**
     * A counter or limit: an unsigned decimal, or {@code max} (no limit), read as {@link
     * Long#MAX_VALUE}.
     */
    static long parseValue(String source, String key, String value) {
        if (value.equals("max")) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseUnsignedLong(value);
        } catch (NumberFormatException e) {
            throw new CgroupException(
                    source + ": " + key + " has value '" + value + "', not an unsigned number");
        }
    }
}
