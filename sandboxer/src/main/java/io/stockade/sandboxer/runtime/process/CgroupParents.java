package io.stockade.sandboxer.runtime.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The per-pod cgroup directory {@code /<parent>/<sandbox-id>} that runc creates (as the parent of
 * each container's cgroup) in every v1 controller, or once under the v2 unified hierarchy. runc
 * removes a container's own cgroup on delete but not the parents, so a pod's shutdown removes them.
 *
 * @param cgroupRoot normally {@code /sys/fs/cgroup}
 * @param parent Stockade's top-level cgroup name
 */
record CgroupParents(Path cgroupRoot, String parent) {
    private static final Logger log = LoggerFactory.getLogger(CgroupParents.class);

    /** Removes the pod's cgroup directories (which must be empty of processes by then). */
    void removePod(String sandboxId) {
        remove(cgroupRoot.resolve(parent).resolve(sandboxId));
        try (DirectoryStream<Path> controllers =
                Files.newDirectoryStream(cgroupRoot, Files::isDirectory)) {
            for (Path controller : controllers) {
                remove(controller.resolve(parent).resolve(sandboxId));
            }
        } catch (IOException e) {
            log.warn("cannot list cgroup controllers in {}: {}", cgroupRoot, e.toString());
        }
    }

    private static void remove(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        // cgroup directories are removed with rmdir(2) even though they hold (virtual) files;
        // children first.
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path child : children) {
                remove(child);
            }
        } catch (IOException e) {
            log.warn("cannot list cgroup {}: {}", dir, e.toString());
        }
        try {
            Files.delete(dir);
        } catch (IOException e) {
            log.warn("cannot remove cgroup {}: {}", dir, e.toString());
        }
    }
}
