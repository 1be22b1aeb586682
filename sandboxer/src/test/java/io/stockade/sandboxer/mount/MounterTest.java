package io.stockade.sandboxer.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class MounterTest {
    @Test
    void findsMountsUnderADirectoryDeepestFirst() {
        List<String> mountinfo =
                List.of(
                        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
                        "90 22 0:50 / /run/stockade/p1/shared/shm rw - tmpfs shm rw",
                        "91 22 0:51 / /run/stockade/p1/shared/c1/rootfs rw - overlay overlay rw,lowerdir=/l",
                        "92 22 0:52 / /run/stockade/p10/shared/shm rw - tmpfs shm rw",
                        "93 22 0:53 / /run/stockade/p1/shared/with\\040space rw - tmpfs x rw");
        assertEquals(
                List.of(
                        Path.of("/run/stockade/p1/shared/c1/rootfs"),
                        Path.of("/run/stockade/p1/shared/shm"),
                        Path.of("/run/stockade/p1/shared/with space")),
                Mounter.mountsUnder(Path.of("/run/stockade/p1"), mountinfo));
    }

    @Test
    void decodesOctalEscapesOnly() {
        assertEquals("a b\\x", Mounter.unescape("a\\040b\\x"));
        assertEquals("tab\there", Mounter.unescape("tab\\011here"));
        assertEquals("end\\04", Mounter.unescape("end\\04"));
    }
}
