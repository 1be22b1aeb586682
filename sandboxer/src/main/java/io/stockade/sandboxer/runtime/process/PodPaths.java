package io.stockade.sandboxer.runtime.process;

import java.nio.file.Path;

/** Where a process-mode pod keeps its agent's files inside {@code <root_dir>/<sandbox-id>}. */
record PodPaths(Path podDir) {
    Path agentSocket() {
        return podDir.resolve("agent.sock");
    }

    Path ioSocket() {
        return podDir.resolve("agent-io.sock");
    }

    Path agentState() {
        return podDir.resolve("agent");
    }

    Path agentLog() {
        return podDir.resolve("agent.log");
    }

    /**
     * runc's state root as the agent sets it up ({@code OciRuntime}: {@code
     * <state-dir>/runtime-root}).
     */
    Path runcRoot() {
        return agentState().resolve("runtime-root");
    }

    Path sharedDir() {
        return podDir.resolve("shared");
    }
}
