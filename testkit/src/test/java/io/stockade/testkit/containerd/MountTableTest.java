package io.stockade.testkit.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class MountTableTest {
    private static final List<String> MOUNTINFO = List.of(
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "90 22 0:50 / /tmp/stockade-ctrd-1/root/snap/1/fs rw shared:40 - overlay overlay rw,lowerdir=/a",
            "91 22 0:51 / /tmp/stockade-ctrd-1/state/task/k8s.io/c1/rootfs rw shared:41 - overlay overlay rw",
            "92 91 0:52 / /tmp/stockade-ctrd-1/state/task/k8s.io/c1/rootfs/proc rw - proc proc rw",
            "93 22 0:53 / /tmp/stockade-ctrd-10/root rw - tmpfs tmpfs rw",
            "94 22 0:54 / /tmp/stockade-ctrd-1/with\\040space rw - tmpfs tmpfs rw");

    @Test
    void findsMountsUnderTheDirectoryDeepestFirst() {
        List<Path> mounts = MountTable.mountsUnder(Path.of("/tmp/stockade-ctrd-1"), MOUNTINFO);

        assertEquals(Path.of("/tmp/stockade-ctrd-1/state/task/k8s.io/c1/rootfs/proc"), mounts.getFirst());
        assertEquals(4, mounts.size(), mounts.toString());
    }

    @Test
    void aSiblingWithTheSamePrefixIsNotUnderTheDirectory() {
        List<Path> mounts = MountTable.mountsUnder(Path.of("/tmp/stockade-ctrd-1"), MOUNTINFO);

        assertEquals(false, mounts.contains(Path.of("/tmp/stockade-ctrd-10/root")));
    }

    @Test
    void decodesOctalEscapes() {
        assertEquals(Path.of("/tmp/stockade-ctrd-1/with space"), MountTable.mountPointOf(MOUNTINFO.get(5)));
    }

    @Test
    void rejectsAMalformedLine() {
        assertThrows(IllegalArgumentException.class, () -> MountTable.mountPointOf("1 2 3"));
    }
}
