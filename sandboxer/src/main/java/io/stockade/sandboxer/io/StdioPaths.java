package io.stockade.sandboxer.io;

import java.util.EnumMap;
import java.util.Map;

/**
 * The host stdio paths containerd gave for one process (Create or Exec); an empty path means the
 * stream is not wanted.
 *
 * @param stdin FIFO the process's stdin is read from (containerd writes into it)
 * @param stdout FIFO its stdout is written to (containerd reads it)
 * @param stderr FIFO its stderr is written to
 */
public record StdioPaths(String stdin, String stdout, String stderr) {
    public StdioPaths {
        stdin = stdin == null ? "" : stdin;
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }

    /** The requested streams and their paths. */
    Map<StdioStream, String> requested() {
        Map<StdioStream, String> map = new EnumMap<>(StdioStream.class);
        if (!stdin.isEmpty()) {
            map.put(StdioStream.STDIN, stdin);
        }
        if (!stdout.isEmpty()) {
            map.put(StdioStream.STDOUT, stdout);
        }
        if (!stderr.isEmpty()) {
            map.put(StdioStream.STDERR, stderr);
        }
        return map;
    }

    /**
     * Checks that every requested path is an absolute host path (FIFO or file).
     *
     * @throws IllegalArgumentException naming the stream, e.g. for a {@code binary://} or {@code
     *     file://} log URI, which this sandboxer does not support
     */
    public StdioPaths validate() {
        requested()
                .forEach(
                        (stream, path) -> {
                            if (path.contains("://")) {
                                throw new IllegalArgumentException(
                                        stream.wireName()
                                                + " '"
                                                + path
                                                + "' is a URI; only host FIFO paths are supported (io_type = \"fifo\")");
                            }
                            if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
                                throw new IllegalArgumentException(
                                        stream.wireName()
                                                + " '"
                                                + path
                                                + "' is not an absolute path");
                            }
                        });
        return this;
    }
}
