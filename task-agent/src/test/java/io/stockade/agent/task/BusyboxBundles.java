package io.stockade.agent.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Builds OCI bundles for tests: one shared read-only rootfs made of the host's static busybox and
 * its applet links, and per container a config.json for runc with pid/ipc/uts/mount/network
 * namespaces and a cgroup under a test-unique parent, and a devpts instance in which the runtime
 * can create terminals.
 */
final class BusyboxBundles {
    private static final List<String> APPLETS =
            List.of(
                    "sh", "echo", "cat", "sleep", "yes", "head", "true", "false", "kill", "dd",
                    "ls", "tty", "stty");

    private final Path dir;
    private final Path rootfs;
    private final String cgroupParent =
            "stockade-agent-test-" + UUID.randomUUID().toString().substring(0, 8);

    BusyboxBundles(Path dir) throws IOException {
        this.dir = dir;
        this.rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("proc"));
        Files.createDirectories(rootfs.resolve("dev"));
        Files.createDirectories(rootfs.resolve("tmp"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
    }

    /**
     * The cgroup parent (relative to each v1 controller's mount) all test containers live under.
     */
    String cgroupParent() {
        return cgroupParent;
    }

    /** A bundle directory for container {@code id} running {@code args}. */
    Path bundle(String id, String... args) throws IOException {
        return write(id, configJson(id, "{}", args));
    }

    /**
     * The shared busybox root filesystem (read-only for containers), e.g. as an overlay's lower
     * layer.
     */
    Path rootfs() {
        return rootfs;
    }

    /**
     * A bundle whose config uses {@code <bundle>/rootfs}, writable, which the test (or the agent,
     * from Create's rootfs mounts) fills.
     */
    Path bundleWithOwnRootfs(String id, String... args) throws IOException {
        return write(
                id,
                configJson(id, "{}", args)
                        .replace(
                                "\"root\":{\"path\":"
                                        + quote(rootfs.toString())
                                        + ",\"readonly\":true}",
                                "\"root\":{\"path\":\"rootfs\",\"readonly\":false}"));
    }

    /** A bundle whose init runs on a terminal. */
    Path bundleWithTerminal(String id, String... args) throws IOException {
        return write(
                id, configJson(id, "{}", args).replace("\"terminal\":false", "\"terminal\":true"));
    }

    /** A bundle whose container may use at most {@code bytes} of memory (and no swap). */
    Path bundleWithMemoryLimit(String id, long bytes, String... args) throws IOException {
        return write(
                id,
                configJson(
                        id,
                        "{\"memory\":{\"limit\":%d,\"swap\":%d}}".formatted(bytes, bytes),
                        args));
    }

    private Path write(String id, String config) throws IOException {
        Path bundle = dir.resolve("bundle-" + id);
        Files.createDirectories(bundle);
        Files.writeString(bundle.resolve("config.json"), config);
        return bundle;
    }

    private String configJson(String id, String resources, String... args) {
        String argv =
                List.of(args).stream().map(BusyboxBundles::quote).collect(Collectors.joining(","));
        return """
        {"ociVersion":"1.0.2",
         "process":{"terminal":false,"user":{"uid":0,"gid":0},"args":[%s],
                    "env":["PATH=/bin"],"cwd":"/","noNewPrivileges":true},
         "root":{"path":%s,"readonly":true},
         "hostname":"%s",
         "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                   {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755","size=1024k"]},
                   {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["nosuid","size=1024k"]},
                   {"destination":"/dev/pts","type":"devpts","source":"devpts",
                    "options":["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620"]}],
         "linux":{"namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network"}],
                  "cgroupsPath":"/%s/%s","resources":%s}}
        """
                .formatted(argv, quote(rootfs.toString()), id, cgroupParent, id, resources);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Removes the test's cgroup parent from every v1 controller (it must be empty by then). */
    void removeCgroupParent() throws IOException {
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path controller : controllers.toList()) {
                Path parent = controller.resolve(cgroupParent);
                if (Files.isDirectory(parent)) {
                    Files.delete(parent);
                }
            }
        }
    }

    /** Container cgroup directories left under the test's parent, across all controllers. */
    List<Path> leftoverCgroups() throws IOException {
        try (var controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            return controllers
                    .map(c -> c.resolve(cgroupParent))
                    .filter(Files::isDirectory)
                    .flatMap(
                            parent -> {
                                try (var children = Files.list(parent)) {
                                    return children.filter(Files::isDirectory).toList().stream();
                                } catch (IOException e) {
                                    throw new java.io.UncheckedIOException(e);
                                }
                            })
                    .toList();
        }
    }
}
