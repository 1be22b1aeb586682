package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

class CgroupMountsTest {
    /** A systemd hybrid host: v1 controllers plus the unified hierarchy without controllers. */
    static final String HYBRID =
            """
      25 1 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
      30 25 0:26 / /sys/fs/cgroup rw,relatime shared:9 - tmpfs tmpfs rw,mode=755
      31 30 0:27 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
      35 30 0:31 / /sys/fs/cgroup/memory rw,relatime shared:14 - cgroup cgroup rw,memory
      36 30 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct
      37 30 0:33 / /sys/fs/cgroup/systemd rw,relatime shared:16 - cgroup cgroup rw,xattr,name=systemd
      """;

    /** Our guest: only cgroup2. */
    static final String V2_ONLY =
            """
      20 1 0:5 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
      22 21 0:20 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate
      """;

    @Test
    void findsEachV1ControllerAndTheUnifiedMountOfAHybridHost() {
        CgroupMounts mounts = CgroupMounts.parse(HYBRID);
        assertEquals(Path.of("/sys/fs/cgroup/memory"), mounts.v1().get("memory").mountPoint());
        assertEquals(
                Path.of("/sys/fs/cgroup/cpu,cpuacct"), mounts.v1().get("cpuacct").mountPoint());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), mounts.v1().get("cpu").mountPoint());
        assertEquals(java.util.Set.of("memory", "cpu", "cpuacct", "xattr"), mounts.v1().keySet());
        assertEquals(
                Path.of("/sys/fs/cgroup/unified"), mounts.unified().orElseThrow().mountPoint());
    }

    @Test
    void findsTheUnifiedMountOfAV2Guest() {
        CgroupMounts mounts = CgroupMounts.parse(V2_ONLY);
        assertTrue(mounts.v1().isEmpty());
        assertEquals(Path.of("/sys/fs/cgroup"), mounts.unified().orElseThrow().mountPoint());
    }

    @Test
    void mapsCgroupPathsBelowTheMountRootAndRefusesEscapes() {
        CgroupMounts.Mount mount = new CgroupMounts.Mount(Path.of("/sys/fs/cgroup"), "/pod1");
        assertEquals(Path.of("/sys/fs/cgroup/c1"), mount.directoryOf("/pod1/c1"));
        CgroupMounts.Mount top = new CgroupMounts.Mount(Path.of("/sys/fs/cgroup/memory"), "/");
        assertEquals(Path.of("/sys/fs/cgroup/memory/a/b"), top.directoryOf("/a/b"));
        assertThrows(CgroupException.class, () -> top.directoryOf("/../../../etc"));
    }
}
