package io.stockade.sandboxer.io;

/** The three stdio streams, with the names the agent's stdio header uses. */
public enum StdioStream {
    STDIN("stdin"),
    STDOUT("stdout"),
    STDERR("stderr");

    private final String wireName;

    StdioStream(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
