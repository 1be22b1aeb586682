package io.stockade.agent.stdio;

/** One of a process's three standard streams, named as in the attach header. */
public enum StdioStream {
    STDIN,
    STDOUT,
    STDERR;

    /** The header word for this stream, e.g. "stdout". */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
