package io.stockade.agent.stdio;

import java.util.Optional;

/** Finds the stdio of a process by container and exec id (empty exec id: the init process). */
@FunctionalInterface
public interface StdioTargets {
    Optional<ProcessStdio> find(String containerId, String execId);
}
