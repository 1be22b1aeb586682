package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.containerd.cgroups.v2.MetricsOuterClass.IOEntry;
import io.containerd.cgroups.v2.MetricsOuterClass.Metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The v2 reader against files shaped like a 6.x kernel's. */
class V2MetricsTest {
    @TempDir Path dir;

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    @Test
    void readsPidsCpuMemoryEventsAndIo() throws IOException {
        write("pids.current", "3\n");
        write("pids.max", "max\n");
        write(
                "cpu.stat",
                """
        usage_usec 15000
        user_usec 10000
        system_usec 5000
        core_sched.force_idle_usec 0
        nr_periods 4
        nr_throttled 1
        throttled_usec 700
        nr_bursts 0
        burst_usec 0
        """);
        write(
                "memory.stat",
                """
        anon 4096000
        file 8192
        kernel 1000
        kernel_stack 16384
        shmem 0
        pgfault 1234
        pgmajfault 2
        workingset_refault_anon 1
        workingset_refault_file 2
        """);
        write("memory.current", "4200000\n");
        write("memory.max", "16777216\n");
        write("memory.swap.current", "0\n");
        write("memory.swap.max", "max\n");
        write("memory.peak", "5000000\n");
        write("memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\noom_group_kill 0\n");
        write("io.stat", "254:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");

        Metrics metrics = (Metrics) new ContainerCgroup.V2(dir).metrics();
        assertEquals(3, metrics.getPids().getCurrent());
        assertEquals(0, metrics.getPids().getLimit(), "max means no limit, reported as 0");
        assertEquals(15000, metrics.getCpu().getUsageUsec());
        assertEquals(5000, metrics.getCpu().getSystemUsec());
        assertEquals(700, metrics.getCpu().getThrottledUsec());
        assertEquals(4096000, metrics.getMemory().getAnon());
        assertEquals(16384, metrics.getMemory().getKernelStack());
        assertEquals(3, metrics.getMemory().getWorkingsetRefault());
        assertEquals(4200000, metrics.getMemory().getUsage());
        assertEquals(16777216, metrics.getMemory().getUsageLimit());
        assertEquals(0, metrics.getMemory().getSwapLimit());
        assertEquals(5000000, metrics.getMemory().getMaxUsage());
        assertEquals(1, metrics.getMemoryEvents().getOomKill());
        assertEquals(9, metrics.getMemoryEvents().getMax());
        assertEquals(
                IOEntry.newBuilder()
                        .setMajor(254)
                        .setMinor(0)
                        .setRbytes(4096)
                        .setWbytes(8192)
                        .setRios(1)
                        .setWios(2)
                        .build(),
                metrics.getIo().getUsage(0));
    }

    @Test
    void controllersThatAreNotEnabledAreLeftOut() throws IOException {
        write("memory.events", "oom_kill 0\n");
        Metrics metrics = (Metrics) new ContainerCgroup.V2(dir).metrics();
        assertFalse(metrics.hasPids());
        assertFalse(metrics.hasCpu());
        assertFalse(metrics.hasMemory());
        assertTrue(metrics.hasMemoryEvents());
    }

    @Test
    void malformedFilesAreErrorsNamingThem() throws IOException {
        write("io.stat", "254-0 rbytes=1\n");
        CgroupException io =
                assertThrows(CgroupException.class, () -> new ContainerCgroup.V2(dir).metrics());
        assertTrue(io.getMessage().contains("io.stat"), io.getMessage());
        Files.delete(dir.resolve("io.stat"));
        write("memory.current", "lots\n");
        write("memory.stat", "anon 1\n");
        CgroupException memory =
                assertThrows(CgroupException.class, () -> new ContainerCgroup.V2(dir).metrics());
        assertTrue(memory.getMessage().contains("memory.current"), memory.getMessage());
    }
}
