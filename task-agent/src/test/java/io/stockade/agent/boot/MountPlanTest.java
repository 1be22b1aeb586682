package io.stockade.agent.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

class MountPlanTest {

    private static List<Path> targets(List<GuestMount> mounts) {
        return mounts.stream().map(GuestMount::target).toList();
    }

    @Test
    void aFreshGuestMountsEverythingParentsFirst() {
        List<GuestMount> plan =
                MountPlan.missing(MountPlan.standard(Optional.empty()), Set.of(Path.of("/")));
        assertEquals(
                List.of(
                        Path.of("/proc"),
                        Path.of("/sys"),
                        Path.of("/dev"),
                        Path.of("/dev/pts"),
                        Path.of("/dev/shm"),
                        Path.of("/run"),
                        Path.of("/tmp"),
                        Path.of("/sys/fs/cgroup")),
                targets(plan));
        assertEquals("cgroup2", plan.getLast().fsType());
        for (int i = 0; i < plan.size(); i++) {
            for (int j = i + 1; j < plan.size(); j++) {
                assertTrue(
                        !plan.get(i).target().startsWith(plan.get(j).target()),
                        plan.get(j).target() + " must come before " + plan.get(i).target());
            }
        }
    }

    @Test
    void whatTheKernelAlreadyMountedIsSkipped() {
        String mountinfo =
                """
        1 0 254:0 / / rw,relatime - ext4 /dev/vda rw
        2 1 0:5 / /dev rw,nosuid - devtmpfs devtmpfs rw,mode=755
        3 1 0:20 / /proc rw - proc proc rw
        """;
        List<GuestMount> plan =
                MountPlan.missing(
                        MountPlan.standard(Optional.empty()), MountPlan.mountPoints(mountinfo));
        assertEquals(
                List.of(
                        Path.of("/sys"),
                        Path.of("/dev/pts"),
                        Path.of("/dev/shm"),
                        Path.of("/run"),
                        Path.of("/tmp"),
                        Path.of("/sys/fs/cgroup")),
                targets(plan));
    }

    @Test
    void theSharedDirectoryIsMountedAfterRunFromItsTag() {
        List<GuestMount> plan = MountPlan.standard(Optional.of("stockade-shared"));
        GuestMount shared = plan.getLast();
        assertEquals(
                new GuestMount(
                        "stockade-shared",
                        Path.of("/run/stockade/shared"),
                        "virtiofs",
                        shared.flags(),
                        ""),
                shared);
        assertTrue(targets(plan).indexOf(Path.of("/run")) < plan.size() - 1);
        assertThrows(
                IllegalArgumentException.class,
                () -> MountPlan.standard(Optional.of("bad tag,with=options")));
        assertThrows(IllegalArgumentException.class, () -> MountPlan.standard(Optional.of("")));
    }
}
