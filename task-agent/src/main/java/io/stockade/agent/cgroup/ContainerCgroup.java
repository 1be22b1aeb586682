package io.stockade.agent.cgroup;

import com.google.protobuf.Message;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The cgroup of a container, found from the cgroups its init process is in. Memory accounting
 * decides the flavour: on a host whose memory controller is a v1 hierarchy (hybrid or legacy) the
 * container is a {@link V1} cgroup, otherwise (our guest) a {@link V2} one.
 */
public sealed interface ContainerCgroup {

    /** What this cgroup is for messages, e.g. its memory directory. */
    String describe();

    /** How many processes of this cgroup the kernel OOM killer has killed so far. */
    long oomKills();

    /**
     * The cgroup's resource usage as containerd's Task.Stats reports it: {@code
     * io.containerd.cgroups.v1.Metrics} or {@code io.containerd.cgroups.v2.Metrics}.
     *
     * @throws CgroupException naming a file that cannot be read or parsed
     */
    Message metrics();

    /**
     * A v1 cgroup: a directory per controller.
     *
     * @param dirs the container's directory in each v1 hierarchy it is in, by controller ("memory",
     *     "cpuacct", ...)
     */
    record V1(Map<String, Path> dirs) implements ContainerCgroup {
        public V1 {
            dirs = Map.copyOf(dirs);
            if (!dirs.containsKey("memory")) {
                throw new IllegalArgumentException(
                        "a v1 container cgroup needs its memory directory, got " + dirs);
            }
        }

        public Path memory() {
            return dirs.get("memory");
        }

        @Override
        public String describe() {
            return memory().toString();
        }

        @Override
        public long oomKills() {
            return FlatKeyedFile.read(memory().resolve("memory.oom_control"))
                    .getOrDefault("oom_kill", 0L);
        }

        @Override
        public Message metrics() {
            return V1Metrics.read(dirs);
        }
    }

    /** A v2 cgroup: one directory with every controller's files. */
    record V2(Path dir) implements ContainerCgroup {
        @Override
        public String describe() {
            return dir.toString();
        }

        @Override
        public long oomKills() {
            return FlatKeyedFile.read(dir.resolve("memory.events")).getOrDefault("oom_kill", 0L);
        }

        @Override
        public Message metrics() {
            return V2Metrics.read(new CgroupFiles(dir));
        }
    }

    /**
     * The cgroup process {@code pid} is in.
     *
     * @throws CgroupException when the process is gone or neither a v1 memory hierarchy nor a v2
     *     one holds it
     */
    static ContainerCgroup ofProcess(int pid) {
        return resolve(CgroupMounts.current(), ProcessCgroups.of(pid), "pid " + pid);
    }

    /**
     * Pure resolution from parsed mounts and process cgroups; {@code who} names the process in
     * errors.
     */
    static ContainerCgroup resolve(CgroupMounts mounts, ProcessCgroups process, String who) {
        if (mounts.v1().containsKey("memory") && process.v1().containsKey("memory")) {
            Map<String, Path> dirs = new HashMap<>();
            process.v1()
                    .forEach(
                            (controller, path) -> {
                                CgroupMounts.Mount mount = mounts.v1().get(controller);
                                if (mount != null) {
                                    dirs.put(controller, mount.directoryOf(path));
                                }
                            });
            return new V1(dirs);
        }
        if (mounts.unified().isPresent() && process.unified().isPresent()) {
            return new V2(mounts.unified().get().directoryOf(process.unified().get()));
        }
        throw new CgroupException(
                who
                        + " is in no cgroup this agent can account memory for: v1 controllers "
                        + process.v1().keySet()
                        + ", v2 path "
                        + process.unified().orElse("(none)")
                        + "; mounted v1 controllers "
                        + mounts.v1().keySet()
                        + ", v2 mount "
                        + mounts.unified().map(m -> m.mountPoint().toString()).orElse("(none)"));
    }
}
