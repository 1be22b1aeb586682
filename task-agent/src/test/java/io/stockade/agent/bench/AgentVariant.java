package io.stockade.agent.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One way of launching the agent that the start-up benchmark compares: the JVM command line up to
 * (not including) the agent's own options, and the directory it runs in.
 */
record AgentVariant(String name, List<String> jvmCommand, Path workDir) {
    AgentVariant {
        jvmCommand = List.copyOf(jvmCommand);
    }

    /** The full command for a process-mode agent serving on {@code dir}'s sockets. */
    List<String> command(Path dir) {
        List<String> command = new ArrayList<>(jvmCommand);
        command.addAll(
                List.of(
                        "--mode", "process",
                        "--runtime", "runc",
                        "--state-dir", dir.resolve("state").toString(),
                        "--listen", "unix://" + dir.resolve("agent.sock"),
                        "--io-listen", "unix://" + dir.resolve("io.sock")));
        return command;
    }
}
