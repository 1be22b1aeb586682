package io.stockade.agent.cgroup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.containerd.cgroups.v1.MetricsOuterClass.Metrics;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The v1 reader against per-controller directories shaped like a 6.x kernel's. */
class V1MetricsTest {
    @TempDir Path dir;

    @Test
    void readsMemoryCpuacctCpuAndPids() throws IOException {
        Path memory = Files.createDirectories(dir.resolve("memory"));
        Files.writeString(
                memory.resolve("memory.stat"),
                """
        cache 8192
        rss 4096000
        pgpgin 100
        pgfault 1234
        hierarchical_memory_limit 16777216
        total_rss 4096000
        total_pgmajfault 3
        """);
        Files.writeString(memory.resolve("memory.usage_in_bytes"), "4200000\n");
        Files.writeString(memory.resolve("memory.limit_in_bytes"), "16777216\n");
        Files.writeString(memory.resolve("memory.max_usage_in_bytes"), "5000000\n");
        Files.writeString(memory.resolve("memory.failcnt"), "7\n");
        Files.writeString(
                memory.resolve("memory.oom_control"),
                "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
        Path cpuacct = Files.createDirectories(dir.resolve("cpuacct"));
        Files.writeString(cpuacct.resolve("cpuacct.usage"), "3000000\n");
        Files.writeString(cpuacct.resolve("cpuacct.usage_sys"), "1000000\n");
        Files.writeString(cpuacct.resolve("cpuacct.usage_user"), "2000000\n");
        Files.writeString(cpuacct.resolve("cpuacct.usage_percpu"), "1000000 2000000 \n");
        Path cpu = Files.createDirectories(dir.resolve("cpu"));
        Files.writeString(
                cpu.resolve("cpu.stat"), "nr_periods 5\nnr_throttled 2\nthrottled_time 900\n");
        Path pids = Files.createDirectories(dir.resolve("pids"));
        Files.writeString(pids.resolve("pids.current"), "2\n");
        Files.writeString(pids.resolve("pids.max"), "max\n");

        Metrics metrics =
                (Metrics)
                        new ContainerCgroup.V1(
                                        Map.of(
                                                "memory", memory, "cpuacct", cpuacct, "cpu", cpu,
                                                "pids", pids))
                                .metrics();
        assertEquals(4096000, metrics.getMemory().getRss());
        assertEquals(100, metrics.getMemory().getPgPgIn());
        assertEquals(3, metrics.getMemory().getTotalPgMajFault());
        assertEquals(16777216, metrics.getMemory().getHierarchicalMemoryLimit());
        assertEquals(4200000, metrics.getMemory().getUsage().getUsage());
        assertEquals(16777216, metrics.getMemory().getUsage().getLimit());
        assertEquals(5000000, metrics.getMemory().getUsage().getMax());
        assertEquals(7, metrics.getMemory().getUsage().getFailcnt());
        assertFalse(
                metrics.getMemory().hasSwap() && metrics.getMemory().getSwap().getLimit() != 0,
                "no memsw files: swap is all zero");
        assertEquals(2, metrics.getMemoryOomControl().getOomKill());
        assertEquals(3000000, metrics.getCpu().getUsage().getTotal());
        assertEquals(1000000, metrics.getCpu().getUsage().getKernel());
        assertEquals(
                java.util.List.of(1000000L, 2000000L), metrics.getCpu().getUsage().getPerCpuList());
        assertEquals(2, metrics.getCpu().getThrottling().getThrottledPeriods());
        assertEquals(900, metrics.getCpu().getThrottling().getThrottledTime());
        assertEquals(2, metrics.getPids().getCurrent());
        assertEquals(0, metrics.getPids().getLimit());
    }
}
