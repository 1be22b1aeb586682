package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class ContainerCgroupTest {
    private static final String HYBRID_PROCESS =
            """
      12:memory:/stockade/c1
      11:cpu,cpuacct:/stockade/c1
      1:name=systemd:/stockade/c1
      0::/stockade/c1
      """;

    @Test
    void aHybridHostAccountsMemoryInV1() {
        ContainerCgroup cgroup =
                ContainerCgroup.resolve(
                        CgroupMounts.parse(CgroupMountsTest.HYBRID),
                        ProcessCgroups.parse("test", HYBRID_PROCESS),
                        "pid 42");
        ContainerCgroup.V1 v1 = assertInstanceOf(ContainerCgroup.V1.class, cgroup);
        assertEquals(Path.of("/sys/fs/cgroup/memory/stockade/c1"), v1.memory());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct/stockade/c1"), v1.dirs().get("cpuacct"));
    }

    @Test
    void aV2GuestUsesTheUnifiedDirectory() {
        ContainerCgroup cgroup =
                ContainerCgroup.resolve(
                        CgroupMounts.parse(CgroupMountsTest.V2_ONLY),
                        ProcessCgroups.parse("test", "0::/k8s/c2\n"),
                        "pid 42");
        assertEquals(new ContainerCgroup.V2(Path.of("/sys/fs/cgroup/k8s/c2")), cgroup);
    }

    @Test
    void noUsableHierarchyIsAnErrorNamingTheProcess() {
        CgroupException error =
                assertThrows(
                        CgroupException.class,
                        () ->
                                ContainerCgroup.resolve(
                                        CgroupMounts.parse(CgroupMountsTest.V2_ONLY),
                                        ProcessCgroups.parse("test", "3:memory:/x\n"),
                                        "pid 42"));
        assertTrue(error.getMessage().contains("pid 42"), error.getMessage());
    }

    @Test
    void malformedProcCgroupIsRejected() {
        assertThrows(
                CgroupException.class, () -> ProcessCgroups.parse("/proc/1/cgroup", "garbage\n"));
    }

    @Test
    void oomKillsComeFromMemoryEventsOrOomControl(@TempDir Path dir) throws IOException {
        Files.writeString(
                dir.resolve("memory.events"), "low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\n");
        assertEquals(2, new ContainerCgroup.V2(dir).oomKills());
        Files.writeString(
                dir.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        assertEquals(3, new ContainerCgroup.V1(java.util.Map.of("memory", dir)).oomKills());
    }
}
