package io.stockade.sandboxer.task;

import io.stockade.sandboxer.mount.Mounter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One container's directory in the pod's shared dir: {@code <shared>/<cid>/} with {@code rootfs/}
 * (the mounted rootfs), {@code config.json} (the rewritten spec) and {@code host-bundle}
 * (containerd's bundle path, so State can answer with it even after a sandboxer restart).
 *
 * @param dir the container's directory on the host
 */
record ContainerFiles(Path dir) {
    Path rootfs() {
        return dir.resolve("rootfs");
    }

    Path spec() {
        return dir.resolve("config.json");
    }

    private Path hostBundleFile() {
        return dir.resolve("host-bundle");
    }

    void writeHostBundle(String bundle) throws IOException {
        Files.writeString(hostBundleFile(), bundle);
    }

    Optional<String> hostBundle() {
        try {
            return Optional.of(Files.readString(hostBundleFile()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Unmounts everything below the directory and removes it. */
    void remove() throws IOException {
        Mounter.unmountAllUnder(dir);
        if (!Files.exists(dir)) {
            return;
        }
        // Never walk into a mount that is still there: that would delete the image's files.
        if (!Mounter.mountsUnder(dir).isEmpty()) {
            throw new IOException(
                    "mounts are left under "
                            + dir
                            + " after unmounting: "
                            + Mounter.mountsUnder(dir));
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
