package io.stockade.testkit.l1;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting for the job scripts handed to L1: every word becomes one literal argument. */
final class ShellQuoting {
    private ShellQuoting() {}

    /** {@code it's} becomes {@code 'it'\''s'}: single quotes protect everything but a single quote itself. */
    static String quote(String word) {
        if (word.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a shell word cannot contain NUL: " + word.replace('\0', '?'));
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    static String quoteAll(List<String> words) {
        return words.stream().map(ShellQuoting::quote).collect(Collectors.joining(" "));
    }
}
