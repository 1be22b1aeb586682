package io.stockade.agent.stdio;

import java.util.Objects;

/**
 * The first line of an attach connection: which process and which stream.
 *
 * @param containerId the container (task) id
 * @param execId the exec id; empty for the container's init process ({@code -} on the wire)
 * @param stream the stream to attach
 */
public record StdioHeader(String containerId, String execId, StdioStream stream) {
    /** Longest header line accepted, newline excluded. */
    static final int MAX_LENGTH = 512;

    public StdioHeader {
        Objects.requireNonNull(containerId, "containerId");
        Objects.requireNonNull(execId, "execId");
        Objects.requireNonNull(stream, "stream");
    }

    /**
     * Parses a header line without its newline.
     *
     * @throws IllegalArgumentException quoting the line and saying what is wrong
     */
    public static StdioHeader parse(String line) {
        String[] words = line.split(" ", -1);
        if (words.length != 4 || !words[0].equals("STDIO")) {
            throw new IllegalArgumentException(
                    "bad stdio header '"
                            + printable(line)
                            + "': expected 'STDIO <container-id> <exec-id or -> <stdin|stdout|stderr>'");
        }
        if (words[1].isEmpty() || words[2].isEmpty()) {
            throw new IllegalArgumentException(
                    "bad stdio header '" + printable(line) + "': empty container or exec id");
        }
        StdioStream stream =
                switch (words[3]) {
                    case "stdin" -> StdioStream.STDIN;
                    case "stdout" -> StdioStream.STDOUT;
                    case "stderr" -> StdioStream.STDERR;
                    default ->
                            throw new IllegalArgumentException(
                                    "bad stdio header '"
                                            + printable(line)
                                            + "': unknown stream '"
                                            + printable(words[3])
                                            + "' (expected stdin, stdout or stderr)");
                };
        return new StdioHeader(words[1], words[2].equals("-") ? "" : words[2], stream);
    }

    /** The header line, newline included. */
    public String toLine() {
        return "STDIO "
                + containerId
                + " "
                + (execId.isEmpty() ? "-" : execId)
                + " "
                + stream.wireName()
                + "\n";
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints()
                .limit(120)
                .forEach(
                        c -> {
                            if (c < 0x20 || c == 0x7f) {
                                out.append(String.format("\\x%02x", c));
                            } else {
                                out.appendCodePoint(c);
                            }
                        });
        return out.toString();
    }
}
