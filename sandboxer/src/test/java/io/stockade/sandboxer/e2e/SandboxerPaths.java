package io.stockade.sandboxer.e2e;

import java.nio.file.Path;

/**
 * Where the sandboxer under test keeps everything, under one short base directory: pod ids are 64 characters and
 * every pod gets {@code <root>/<id>/task.sock}, which must stay within the 107-byte unix socket path limit.
 *
 * @param base the test node's directory
 */
record SandboxerPaths(Path base) {
    /** {@code root_dir}: per-pod sockets, shared dirs and mounts. */
    Path rootDir() {
        return base.resolve("r");
    }

    /** {@code state_dir}: the persistent sandbox records. */
    Path stateDir() {
        return base.resolve("st");
    }

    /** {@code listen}: the Controller socket containerd's proxy plugin dials. */
    Path socket() {
        return base.resolve("sandboxer.sock");
    }

    Path configFile() {
        return base.resolve("sandboxer.toml");
    }

    /** The log of the {@code generation}-th sandboxer started on this node (restarts get new files). */
    Path logFile(int generation) {
        return base.resolve("sandboxer-" + generation + ".log");
    }
}
