package io.stockade.testkit.l1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** The end of a log the guest wrote, for failure messages; bytes that are not UTF-8 become U+FFFD, never an error. */
final class LogTail {
    private LogTail() {}

    static String of(Path log, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (NoSuchFileException e) {
            return "(" + log + " does not exist)";
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + log, e);
        }
    }
}
