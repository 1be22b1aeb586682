package io.stockade.agent.rootfs;

import io.stockade.agent.posix.Mounts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One mount as {@code mount(2)} needs it, translated from a containerd {@code Mount}: fstab-style
 * flag options (ro, nosuid, bind, ...) become flags, everything else is filesystem data (overlay's
 * lowerdir=..., upperdir=...). A read-only bind needs a second, remounting call, hence {@link
 * #remountReadOnly}.
 *
 * @param source what is mounted (a directory for bind, "overlay" for overlay, a device)
 * @param target where, already resolved below the rootfs
 * @param fsType the filesystem type; null for a bind
 * @param flags MS_* flags
 * @param data comma-separated filesystem options, possibly empty
 * @param remountReadOnly whether a read-only remount follows (bind mounts ignore MS_RDONLY at
 *     first)
 */
public record MountSpec(
        String source,
        Path target,
        String fsType,
        long flags,
        String data,
        boolean remountReadOnly) {

    private static final Map<String, Long> SET_FLAGS =
            Map.ofEntries(
                    Map.entry("ro", Mounts.MS_RDONLY),
                    Map.entry("nosuid", Mounts.MS_NOSUID),
                    Map.entry("nodev", Mounts.MS_NODEV),
                    Map.entry("noexec", Mounts.MS_NOEXEC),
                    Map.entry("noatime", Mounts.MS_NOATIME),
                    Map.entry("nodiratime", Mounts.MS_NODIRATIME),
                    Map.entry("relatime", Mounts.MS_RELATIME),
                    Map.entry("strictatime", Mounts.MS_STRICTATIME),
                    Map.entry("bind", Mounts.MS_BIND),
                    Map.entry("rbind", Mounts.MS_BIND | Mounts.MS_REC));

    /** Options that only restate a default. */
    private static final List<String> NO_OP =
            List.of("rw", "suid", "dev", "exec", "atime", "diratime", "defaults");

    /**
     * Translates a containerd mount.
     *
     * @param rootfs the bundle's rootfs directory; the mount's target is taken relative to it
     * @throws IllegalArgumentException naming the mount and what is wrong with it
     */
    public static MountSpec of(
            String type, String source, String target, List<String> options, Path rootfs) {
        String what =
                "rootfs mount {type="
                        + type
                        + ", source="
                        + source
                        + ", target="
                        + target
                        + ", options="
                        + options
                        + "}";
        if (type.isEmpty()) {
            throw new IllegalArgumentException(what + ": no type");
        }
        Path resolved = rootfs.resolve(target.replaceFirst("^/+", "")).normalize();
        if (!resolved.startsWith(rootfs)) {
            throw new IllegalArgumentException(what + ": target leaves the rootfs " + rootfs);
        }
        long flags = 0;
        List<String> data = new ArrayList<>();
        for (String option : options) {
            Long flag = SET_FLAGS.get(option);
            if (flag != null) {
                flags |= flag;
            } else if (!NO_OP.contains(option)) {
                if (option.contains(",")) {
                    throw new IllegalArgumentException(
                            what + ": option '" + option + "' contains a comma");
                }
                data.add(option);
            }
        }
        boolean bind = type.equals("bind") || (flags & Mounts.MS_BIND) != 0;
        if (bind) {
            flags |= Mounts.MS_BIND;
            if (!source.startsWith("/")) {
                throw new IllegalArgumentException(
                        what + ": a bind mount needs an absolute source");
            }
        }
        if (type.equals("overlay") && data.stream().noneMatch(o -> o.startsWith("lowerdir="))) {
            throw new IllegalArgumentException(what + ": an overlay needs a lowerdir= option");
        }
        boolean readOnly = (flags & Mounts.MS_RDONLY) != 0;
        return new MountSpec(
                source.isEmpty() ? type : source,
                resolved,
                bind ? null : type,
                flags,
                String.join(",", data),
                bind && readOnly);
    }
}
