package io.stockade.agent.boot;

import io.stockade.agent.posix.Clock;
import io.stockade.agent.posix.Mounts;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What PID 1 does before it can serve: mounts the guest's file systems, enables the cgroup v2
 * controllers containers need (memory for limits and OOM events, cpu, io, pids), and sets the
 * clock. Each failure is an exception saying which step failed; the caller powers off.
 */
public final class GuestInit {
    private static final Logger log = LoggerFactory.getLogger(GuestInit.class);
    private static final List<String> CONTROLLERS = List.of("cpu", "io", "memory", "pids");

    private GuestInit() {}

    /**
     * Boots the guest.
     *
     * @param sharedTag the virtio-fs tag to mount at /run/stockade/shared, if any
     * @param clock the host's wall clock at VM start, if given
     */
    public static void boot(Optional<String> sharedTag, Optional<Instant> clock) {
        List<GuestMount> wanted = MountPlan.standard(sharedTag);
        for (GuestMount mount : MountPlan.missing(wanted, currentMountPoints())) {
            try {
                Files.createDirectories(mount.target());
            } catch (IOException e) {
                throw new IllegalStateException(
                        "boot: cannot create mount point " + mount.target() + ": " + e, e);
            }
            Mounts.mount(
                    mount.source(), mount.target(), mount.fsType(), mount.flags(), mount.data());
            log.info("mounted {} ({}) on {}", mount.source(), mount.fsType(), mount.target());
        }
        enableControllers(Path.of("/sys/fs/cgroup/cgroup.subtree_control"));
        clock.ifPresent(GuestInit::setClock);
    }

    /** Sets the wall clock; the guest has no battery-backed clock worth trusting. */
    public static void setClock(Instant now) {
        Clock.setRealtime(now);
        log.info("clock set to {}", now);
    }

    private static Set<Path> currentMountPoints() {
        try {
            return MountPlan.mountPoints(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (NoSuchFileException e) {
            return Set.of(); // /proc is not mounted yet: nothing is
        } catch (IOException e) {
            throw new IllegalStateException("boot: cannot read /proc/self/mountinfo: " + e, e);
        }
    }

    /** One controller per write, so one the kernel lacks does not keep the others off. */
    private static void enableControllers(Path subtreeControl) {
        for (String controller : CONTROLLERS) {
            try {
                Files.writeString(subtreeControl, "+" + controller);
            } catch (IOException e) {
                log.warn(
                        "cgroup controller {} not enabled in {}: {}",
                        controller,
                        subtreeControl,
                        e.toString());
            }
        }
    }
}
