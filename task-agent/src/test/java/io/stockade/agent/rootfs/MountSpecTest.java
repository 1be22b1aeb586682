package io.stockade.agent.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.agent.posix.Mounts;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class MountSpecTest {
    private static final Path ROOTFS = Path.of("/run/bundle/rootfs");

    @Test
    void anOverlayPassesItsLayersAsDataOnTheRootfs() {
        MountSpec spec =
                MountSpec.of(
                        "overlay",
                        "overlay",
                        "",
                        List.of("index=off", "lowerdir=/l2:/l1", "upperdir=/u", "workdir=/w", "rw"),
                        ROOTFS);
        assertEquals(
                new MountSpec(
                        "overlay",
                        ROOTFS,
                        "overlay",
                        0,
                        "index=off,lowerdir=/l2:/l1,upperdir=/u,workdir=/w",
                        false),
                spec);
    }

    @Test
    void aReadOnlyBindIsABindFollowedByAReadOnlyRemount() {
        MountSpec spec =
                MountSpec.of(
                        "bind", "/snapshots/7/fs", "", List.of("rbind", "ro", "nosuid"), ROOTFS);
        assertEquals(
                Mounts.MS_BIND | Mounts.MS_REC | Mounts.MS_RDONLY | Mounts.MS_NOSUID, spec.flags());
        assertEquals(null, spec.fsType());
        assertEquals("", spec.data());
        assertTrue(spec.remountReadOnly());
    }

    @Test
    void aTargetIsResolvedBelowTheRootfs() {
        assertEquals(
                ROOTFS.resolve("var/lib"),
                MountSpec.of("tmpfs", "tmpfs", "/var/lib", List.of(), ROOTFS).target());
    }

    @Test
    void unusableMountsAreRejectedNamingTheMount() {
        IllegalArgumentException escape =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> MountSpec.of("bind", "/x", "../../etc", List.of("bind"), ROOTFS));
        assertTrue(escape.getMessage().contains("leaves the rootfs"), escape.getMessage());
        assertTrue(escape.getMessage().contains("source=/x"), escape.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        MountSpec.of(
                                "overlay",
                                "overlay",
                                "",
                                List.of("upperdir=/u", "workdir=/w"),
                                ROOTFS));
        assertThrows(
                IllegalArgumentException.class,
                () -> MountSpec.of("bind", "relative/dir", "", List.of(), ROOTFS));
        assertThrows(
                IllegalArgumentException.class,
                () -> MountSpec.of("", "/x", "", List.of(), ROOTFS));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        MountSpec.of(
                                "overlay",
                                "overlay",
                                "",
                                List.of("lowerdir=/a,upperdir=/b"),
                                ROOTFS));
    }
}
