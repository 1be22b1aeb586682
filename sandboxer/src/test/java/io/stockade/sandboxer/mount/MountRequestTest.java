package io.stockade.sandboxer.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

class MountRequestTest {
    @Test
    void overlayOptionsBecomeTheDataString() {
        MountRequest overlay =
                new MountRequest(
                        "overlay",
                        "overlay",
                        List.of(
                                "index=off",
                                "workdir=/s/1/work",
                                "upperdir=/s/1/fs",
                                "lowerdir=/s/0/fs"));
        assertFalse(overlay.isBind());
        assertEquals(0, overlay.flags());
        assertEquals(
                "index=off,workdir=/s/1/work,upperdir=/s/1/fs,lowerdir=/s/0/fs", overlay.data());
    }

    @Test
    void flagOptionsBecomeFlags() {
        MountRequest bind =
                new MountRequest("bind", "/src", List.of("rbind", "ro", "nosuid", "rw"));
        assertTrue(bind.isBind());
        assertEquals(
                MountRequest.MS_BIND
                        | MountRequest.MS_REC
                        | MountRequest.MS_RDONLY
                        | MountRequest.MS_NOSUID,
                bind.flags());
        assertNull(bind.data());
        assertTrue(new MountRequest("none", "/src", List.of("bind")).isBind());
    }

    @Test
    void rejectsWhatMountMustNeverSee() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new MountRequest("over lay", "x", List.of()).validate());
        assertThrows(
                IllegalArgumentException.class,
                () -> new MountRequest("overlay", "", List.of()).validate());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        new MountRequest("overlay", "overlay", List.of("lowerdir=/a,upperdir=/b"))
                                .validate());
        assertThrows(
                IllegalArgumentException.class,
                () -> new MountRequest("bind", "relative/dir", List.of("rbind")).validate());
        assertEquals(
                "mount of overlay has a bad option 'a\0b'",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        new MountRequest("overlay", "overlay", List.of("a\0b"))
                                                .validate())
                        .getMessage());
    }
}
