package io.stockade.agent.posix;

import java.nio.file.Path;

/** What one standard descriptor (0, 1 or 2) of a spawned child is connected to. */
public sealed interface ChildStdio {

    /** The child gets a duplicate of {@code fd}; the agent keeps (and must close) its own copy. */
    record Descriptor(Fd fd) implements ChildStdio {}

    /**
     * The child opens {@code path}: for reading on stdin, otherwise created/truncated for writing.
     */
    record File(Path path) implements ChildStdio {}

    /** {@code /dev/null}. */
    static ChildStdio devNull() {
        return new File(Path.of("/dev/null"));
    }
}
