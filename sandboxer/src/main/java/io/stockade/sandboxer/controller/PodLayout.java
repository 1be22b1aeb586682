package io.stockade.sandboxer.controller;

import java.nio.file.Path;

/**
 * The host files of one pod under {@code <root_dir>/<sandbox-id>}: the Task proxy socket, the
 * shared dir with the pod files and container rootfs mounts, the event sequence. The runtime keeps
 * its own files there too.
 *
 * @param dir {@code <root_dir>/<sandbox-id>}
 */
record PodLayout(Path dir) {
    static PodLayout of(Path rootDir, String sandboxId) {
        return new PodLayout(rootDir.resolve(sandboxId));
    }

    Path taskSocket() {
        return dir.resolve("task.sock");
    }

    /** What containerd dials: {@code ttrpc+unix://<dir>/task.sock}. */
    String taskAddress() {
        return "ttrpc+unix://" + taskSocket();
    }

    Path sharedDir() {
        return dir.resolve("shared");
    }

    Path shmDir() {
        return sharedDir().resolve("shm");
    }

    Path eventSequenceFile() {
        return dir.resolve("events.seq");
    }
}
