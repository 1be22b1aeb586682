package io.stockade.sandboxer.mount;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Makes and removes host mounts. Needs CAP_SYS_ADMIN in the sandboxer's mount namespace. */
public final class Mounter {
    private static final Logger log = LoggerFactory.getLogger(Mounter.class);
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Mounter() {}

    /**
     * Mounts {@code request} on {@code target} (which must exist). A read-only bind mount is made
     * in two steps, as the kernel ignores MS_RDONLY on the first bind.
     */
    public static void mount(MountRequest request, Path target) {
        request.validate();
        long flags = request.flags();
        String type = request.isBind() ? null : request.type();
        Syscalls.mount(
                request.source(),
                target.toString(),
                type,
                flags,
                request.isBind() ? null : request.data());
        if (request.isBind() && (flags & MountRequest.MS_RDONLY) != 0) {
            try {
                Syscalls.mount(
                        "none", target.toString(), null, flags | MountRequest.MS_REMOUNT, null);
            } catch (MountException e) {
                unmount(target);
                throw e;
            }
        }
    }

    /** Mounts a tmpfs of {@code sizeBytes} on {@code target}, for a pod's /dev/shm. */
    public static void mountTmpfs(Path target, long sizeBytes) {
        Syscalls.mount(
                "shm",
                target.toString(),
                "tmpfs",
                MountRequest.MS_NOSUID | MountRequest.MS_NODEV | MountRequest.MS_NOEXEC,
                "mode=1777,size=" + sizeBytes);
    }

    /** Detaches the mount on {@code target}; not mounted is fine. */
    public static void unmount(Path target) {
        try {
            Syscalls.umount(target.toString(), Syscalls.MNT_DETACH);
        } catch (MountException e) {
            if (e.errno() != Syscalls.EINVAL && e.errno() != Syscalls.ENOENT) {
                throw e;
            }
        }
    }

    /**
     * Detaches every mount at or below {@code dir}, deepest first. Returns how many were removed.
     */
    public static int unmountAllUnder(Path dir) {
        List<Path> mounts = mountsUnder(dir);
        for (Path mount : mounts) {
            log.debug("unmounting {}", mount);
            unmount(mount);
        }
        return mounts.size();
    }

    /** Mount points at or below {@code dir}, deepest first. */
    public static List<Path> mountsUnder(Path dir) {
        try {
            return mountsUnder(dir, Files.readAllLines(MOUNTINFO));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MOUNTINFO, e);
        }
    }

    static List<Path> mountsUnder(Path dir, List<String> mountinfo) {
        Path base = dir.toAbsolutePath().normalize();
        List<Path> found = new ArrayList<>();
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            if (fields.length < 5) {
                continue;
            }
            Path point = Path.of(unescape(fields[4]));
            if (point.startsWith(base) && !found.contains(point)) {
                found.add(point);
            }
        }
        found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        return found;
    }

    /** Decodes the kernel's octal escapes ({@code \040} for a space) in a mountinfo path. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\'
                    && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
