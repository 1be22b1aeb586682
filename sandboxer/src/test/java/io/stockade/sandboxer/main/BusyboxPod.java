package io.stockade.sandboxer.main;

import containerd.types.MountOuterClass.Mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What containerd would prepare for a container, built by hand: a read-only busybox image layer
 * (the overlay lowerdir), per container an upper/work dir and a bundle with a config.json shaped
 * like the one containerd's CRI writes (relative root path, host-path namespaces, containerd's own
 * /etc and /dev/shm mounts).
 */
final class BusyboxPod {
    private static final List<String> APPLETS =
            List.of("sh", "echo", "cat", "sleep", "readlink", "hostname", "true", "ls");

    private final Path dir;
    private final Path layer;

    BusyboxPod(Path dir) throws IOException {
        this.dir = dir;
        this.layer = dir.resolve("layer");
        for (String sub : List.of("bin", "proc", "dev", "tmp", "etc", "sys")) {
            Files.createDirectories(layer.resolve(sub));
        }
        Files.copy(Path.of("/bin/busybox"), layer.resolve("bin/busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(layer.resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    /** The overlay mount containerd's overlayfs snapshotter would send for container {@code id}. */
    Mount overlay(String id) throws IOException {
        Path upper = Files.createDirectories(dir.resolve("snapshots").resolve(id).resolve("fs"));
        Path work = Files.createDirectories(dir.resolve("snapshots").resolve(id).resolve("work"));
        return Mount.newBuilder()
                .setType("overlay")
                .setSource("overlay")
                .addOptions("index=off")
                .addOptions("workdir=" + work)
                .addOptions("upperdir=" + upper)
                .addOptions("lowerdir=" + layer)
                .build();
    }

    /**
     * A bundle for container {@code id} in a pod whose netns is {@code netns} (empty: host
     * network).
     */
    Path bundle(String id, String netns, String... args) throws IOException {
        Path bundle = Files.createDirectories(dir.resolve("bundles").resolve(id));
        Files.createDirectories(bundle.resolve("rootfs"));
        String argv =
                List.of(args).stream().map(BusyboxPod::quote).collect(Collectors.joining(","));
        String network =
                netns.isEmpty() ? "" : ",{\"type\":\"network\",\"path\":" + quote(netns) + "}";
        Files.writeString(
                bundle.resolve("config.json"),
                """
        {"ociVersion":"1.2.0",
         "process":{"user":{"uid":0,"gid":0},"args":[%s],"env":["PATH=/bin"],"cwd":"/",
                    "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]},
                    "noNewPrivileges":true},
         "root":{"path":"rootfs"},
         "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},
                   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
                   {"destination":"/etc/hosts","type":"bind","source":"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/x/hosts","options":["rbind","rprivate","rw"]},
                   {"destination":"/dev/shm","type":"bind","source":"/run/containerd/io.containerd.grpc.v1.cri/sandboxes/x/shm","options":["rbind","rprivate","rw"]}],
         "linux":{"cgroupsPath":"/k8s.io/%s",
                  "namespaces":[{"type":"pid"},{"type":"ipc","path":"/proc/4242/ns/ipc"},{"type":"uts","path":"/proc/4242/ns/uts"},{"type":"mount"}%s],
                  "maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"]}}
        """
                        .formatted(argv, id, network));
        return bundle;
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
