package io.stockade.agent.posix;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process to start: absolute program path, arguments, environment and standard descriptors. Every
 * other descriptor of the agent is closed in the child.
 *
 * @param argv program path first, then its arguments
 * @param env the complete environment of the child
 */
public record SpawnSpec(
        List<String> argv,
        Map<String, String> env,
        ChildStdio stdin,
        ChildStdio stdout,
        ChildStdio stderr) {

    public SpawnSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        if (argv.isEmpty() || !argv.getFirst().startsWith("/")) {
            throw new IllegalArgumentException(
                    "spawn needs an absolute program path first, got " + argv);
        }
    }
}
