package io.stockade.agent.rootfs;

import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.Mounts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mounts that make up one container's rootfs, mounted in order and unmounted in reverse. If any
 * mount fails, the ones already made are undone before the error is thrown, so nothing leaks.
 */
public final class RootfsMounts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RootfsMounts.class);

    private final List<Path> mounted;

    private RootfsMounts(List<Path> mounted) {
        this.mounted = mounted;
    }

    /** No mounts (the bundle's rootfs was prepared by someone else). */
    public static RootfsMounts none() {
        return new RootfsMounts(new ArrayList<>());
    }

    /**
     * Mounts {@code specs} in order.
     *
     * @throws ErrnoException from the failing mount, after the earlier ones were unmounted
     */
    public static RootfsMounts mount(List<MountSpec> specs) {
        RootfsMounts done = new RootfsMounts(new ArrayList<>());
        try {
            for (MountSpec spec : specs) {
                Mounts.mount(
                        spec.source(), spec.target(), spec.fsType(), spec.flags(), spec.data());
                done.mounted.add(spec.target());
                if (spec.remountReadOnly()) {
                    Mounts.mount(
                            "",
                            spec.target(),
                            null,
                            spec.flags() | Mounts.MS_REMOUNT | Mounts.MS_RDONLY,
                            null);
                }
            }
            return done;
        } catch (RuntimeException e) {
            done.close();
            throw e;
        }
    }

    /** Where the mounts are, in mount order. */
    public List<Path> targets() {
        return List.copyOf(mounted);
    }

    /**
     * Unmounts everything, last first. A busy mount is detached (the kernel finishes once the last
     * user is gone), so a stray process cannot keep the agent from cleaning up.
     */
    @Override
    public synchronized void close() {
        for (int i = mounted.size() - 1; i >= 0; i--) {
            Path target = mounted.get(i);
            try {
                Mounts.unmount(target, 0);
            } catch (ErrnoException e) {
                if (e.errno() != Mounts.EBUSY) {
                    log.warn("cannot unmount rootfs mount {}: {}", target, e.getMessage());
                    continue;
                }
                try {
                    Mounts.unmount(target, Mounts.MNT_DETACH);
                } catch (ErrnoException detach) {
                    log.warn("cannot detach busy rootfs mount {}: {}", target, detach.getMessage());
                }
            }
        }
        mounted.clear();
    }
}
