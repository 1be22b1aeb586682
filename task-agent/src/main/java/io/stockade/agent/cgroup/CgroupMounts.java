package io.stockade.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the cgroup hierarchies are mounted in this mount namespace, from {@code
 * /proc/self/mountinfo}: each v1 controller's mount and the v2 unified mount, if any. A hybrid host
 * (like systemd's) has both.
 *
 * @param v1 the v1 mount of each controller (e.g. "memory", "cpuacct")
 * @param unified the cgroup2 mount
 */
record CgroupMounts(Map<String, Mount> v1, Optional<Mount> unified) {

    /**
     * One mounted hierarchy.
     *
     * @param mountPoint where it is mounted
     * @param root the cgroup the mount shows at its top ("/" unless mounted from inside a cgroup
     *     namespace)
     */
    record Mount(Path mountPoint, String root) {
        /**
         * The directory of cgroup {@code path} (as {@code /proc/<pid>/cgroup} names it) under this
         * mount.
         */
        Path directoryOf(String path) {
            String relative = path;
            if (!root.equals("/") && (path.equals(root) || path.startsWith(root + "/"))) {
                relative = path.substring(root.length());
            }
            relative = relative.replaceFirst("^/+", "");
            Path dir = mountPoint.resolve(relative).normalize();
            if (!dir.startsWith(mountPoint)) {
                throw new CgroupException(
                        "cgroup path '" + path + "' leaves its hierarchy mounted at " + mountPoint);
            }
            return dir;
        }
    }

    CgroupMounts {
        v1 = Map.copyOf(v1);
    }

    static CgroupMounts current() {
        Path mountinfo = Path.of("/proc/self/mountinfo");
        try {
            return parse(Files.readString(mountinfo));
        } catch (IOException e) {
            throw new CgroupException("cannot read " + mountinfo + ": " + e, e);
        }
    }

    /**
     * Parses mountinfo text: {@code id parent maj:min root mountpoint options [tags] - fstype
     * source superoptions}.
     */
    static CgroupMounts parse(String mountinfo) {
        Map<String, Mount> v1 = new HashMap<>();
        Mount unified = null;
        for (String line : mountinfo.split("\n")) {
            List<String> fields = List.of(line.split(" "));
            int separator = fields.indexOf("-");
            if (separator < 6 || fields.size() < separator + 4) {
                continue;
            }
            String fsType = fields.get(separator + 1);
            Mount mount = new Mount(Path.of(unescape(fields.get(4))), unescape(fields.get(3)));
            if (fsType.equals("cgroup2") && unified == null) {
                unified = mount;
            } else if (fsType.equals("cgroup")) {
                for (String option : fields.get(separator + 3).split(",")) {
                    if (!option.equals("rw") && !option.equals("ro") && !option.contains("=")) {
                        v1.putIfAbsent(option, mount);
                    }
                }
            }
        }
        return new CgroupMounts(v1, Optional.ofNullable(unified));
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String field) {
        return field.replace("\\040", " ")
                .replace("\\011", "\t")
                .replace("\\012", "\n")
                .replace("\\134", "\\");
    }
}
