package io.stockade.sandboxer.io;

import java.io.IOException;
import java.nio.channels.ByteChannel;

/** Opens a connection to one stdio stream of a process in the agent. */
@FunctionalInterface
public interface AgentStdio {
    /**
     * Connects to {@code stream} of {@code containerId}'s process {@code execId} (empty for the
     * init process).
     *
     * @return a channel whose reads are the process's output, or whose writes go to its stdin; the
     *     caller closes it
     */
    ByteChannel open(String containerId, String execId, StdioStream stream) throws IOException;
}
