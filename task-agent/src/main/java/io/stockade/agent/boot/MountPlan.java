package io.stockade.agent.boot;

import io.stockade.agent.posix.Mounts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which file systems guest init mounts, in order (each target's parent first), leaving out whatever
 * is mounted already (the kernel may have mounted devtmpfs; a restarted agent finds everything in
 * place).
 */
final class MountPlan {
    /** Where the pod's virtio-fs share is mounted. */
    static final Path SHARED_DIR = Path.of("/run/stockade/shared");

    private static final long NOSUID_NODEV_NOEXEC =
            Mounts.MS_NOSUID | Mounts.MS_NODEV | Mounts.MS_NOEXEC;

    private MountPlan() {}

    /** The standard mounts of a guest, plus the virtio-fs share when {@code sharedTag} is given. */
    static List<GuestMount> standard(Optional<String> sharedTag) {
        List<GuestMount> mounts =
                new ArrayList<>(
                        List.of(
                                new GuestMount(
                                        "proc", Path.of("/proc"), "proc", NOSUID_NODEV_NOEXEC, ""),
                                new GuestMount(
                                        "sysfs", Path.of("/sys"), "sysfs", NOSUID_NODEV_NOEXEC, ""),
                                new GuestMount(
                                        "devtmpfs",
                                        Path.of("/dev"),
                                        "devtmpfs",
                                        Mounts.MS_NOSUID,
                                        "mode=0755"),
                                new GuestMount(
                                        "devpts",
                                        Path.of("/dev/pts"),
                                        "devpts",
                                        Mounts.MS_NOSUID | Mounts.MS_NOEXEC,
                                        "mode=0620,ptmxmode=0666"),
                                new GuestMount(
                                        "shm",
                                        Path.of("/dev/shm"),
                                        "tmpfs",
                                        Mounts.MS_NOSUID | Mounts.MS_NODEV,
                                        "mode=1777"),
                                new GuestMount(
                                        "tmpfs",
                                        Path.of("/run"),
                                        "tmpfs",
                                        Mounts.MS_NOSUID | Mounts.MS_NODEV,
                                        "mode=0755"),
                                new GuestMount(
                                        "tmpfs",
                                        Path.of("/tmp"),
                                        "tmpfs",
                                        Mounts.MS_NOSUID | Mounts.MS_NODEV,
                                        "mode=1777"),
                                new GuestMount(
                                        "cgroup2",
                                        Path.of("/sys/fs/cgroup"),
                                        "cgroup2",
                                        NOSUID_NODEV_NOEXEC,
                                        "nsdelegate")));
        sharedTag.ifPresent(
                tag -> {
                    if (tag.isEmpty() || tag.length() > 36 || !tag.matches("[A-Za-z0-9_.:-]+")) {
                        throw new IllegalArgumentException(
                                "virtio-fs tag '"
                                        + tag
                                        + "' is not 1-36 characters from [A-Za-z0-9_.:-]");
                    }
                    mounts.add(new GuestMount(tag, SHARED_DIR, "virtiofs", Mounts.MS_NODEV, ""));
                });
        return mounts;
    }

    /** {@code wanted} minus the mounts whose target is already a mount point. */
    static List<GuestMount> missing(List<GuestMount> wanted, Set<Path> mountPoints) {
        return wanted.stream().filter(m -> !mountPoints.contains(m.target())).toList();
    }

    /** The mount points listed in mountinfo text (field 5; octal escapes decoded). */
    static Set<Path> mountPoints(String mountinfo) {
        Set<Path> points = new java.util.HashSet<>();
        for (String line : mountinfo.split("\n")) {
            String[] fields = line.split(" ");
            if (fields.length > 4) {
                points.add(
                        Path.of(
                                fields[4]
                                        .replace("\\040", " ")
                                        .replace("\\011", "\t")
                                        .replace("\\012", "\n")
                                        .replace("\\134", "\\")));
            }
        }
        return points;
    }
}
