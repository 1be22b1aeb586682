package io.stockade.agent.cgroup;

import io.containerd.cgroups.v1.MetricsOuterClass.CPUStat;
import io.containerd.cgroups.v1.MetricsOuterClass.CPUUsage;
import io.containerd.cgroups.v1.MetricsOuterClass.MemoryEntry;
import io.containerd.cgroups.v1.MetricsOuterClass.MemoryOomControl;
import io.containerd.cgroups.v1.MetricsOuterClass.MemoryStat;
import io.containerd.cgroups.v1.MetricsOuterClass.Metrics;
import io.containerd.cgroups.v1.MetricsOuterClass.PidsStat;
import io.containerd.cgroups.v1.MetricsOuterClass.Throttle;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * containerd's {@code io.containerd.cgroups.v1.Metrics} from a v1 cgroup's controller directories:
 * memory, cpu, cpuacct and pids (blkio, hugetlb and rdma are left empty).
 */
final class V1Metrics {
    private V1Metrics() {}

    static Metrics read(Map<String, Path> dirs) {
        Metrics.Builder metrics = Metrics.newBuilder();
        files(dirs, "memory")
                .ifPresent(
                        memory -> {
                            Map<String, Long> stat = memory.keyed("memory.stat");
                            metrics.setMemory(
                                    memoryStat(stat)
                                            .setUsage(entry(memory, "memory."))
                                            .setSwap(entry(memory, "memory.memsw."))
                                            .setKernel(entry(memory, "memory.kmem."))
                                            .setKernelTcp(entry(memory, "memory.kmem.tcp.")));
                            Map<String, Long> oom = memory.keyed("memory.oom_control");
                            metrics.setMemoryOomControl(
                                    MemoryOomControl.newBuilder()
                                            .setOomKillDisable(
                                                    oom.getOrDefault("oom_kill_disable", 0L))
                                            .setUnderOom(oom.getOrDefault("under_oom", 0L))
                                            .setOomKill(oom.getOrDefault("oom_kill", 0L)));
                        });
        files(dirs, "pids")
                .flatMap(
                        pids ->
                                pids.value("pids.current")
                                        .map(
                                                current ->
                                                        PidsStat.newBuilder()
                                                                .setCurrent(current)
                                                                .setLimit(
                                                                        pids.value("pids.max")
                                                                                .filter(
                                                                                        max ->
                                                                                                max
                                                                                                        != Long
                                                                                                                .MAX_VALUE)
                                                                                .orElse(0L))))
                .ifPresent(metrics::setPids);
        CPUStat.Builder cpu = CPUStat.newBuilder();
        files(dirs, "cpuacct")
                .ifPresent(
                        cpuacct -> {
                            CPUUsage.Builder usage =
                                    CPUUsage.newBuilder()
                                            .setTotal(cpuacct.value("cpuacct.usage").orElse(0L))
                                            .setKernel(
                                                    cpuacct.value("cpuacct.usage_sys").orElse(0L))
                                            .setUser(
                                                    cpuacct.value("cpuacct.usage_user").orElse(0L));
                            cpuacct.text("cpuacct.usage_percpu")
                                    .ifPresent(
                                            text -> {
                                                for (String value : text.strip().split("\\s+")) {
                                                    if (!value.isEmpty()) {
                                                        usage.addPerCpu(
                                                                FlatKeyedFile.parseValue(
                                                                        cpuacct.dir()
                                                                                .resolve(
                                                                                        "cpuacct.usage_percpu")
                                                                                .toString(),
                                                                        "per_cpu",
                                                                        value));
                                                    }
                                                }
                                            });
                            cpu.setUsage(usage);
                        });
        files(dirs, "cpu")
                .ifPresent(
                        cpuDir -> {
                            Map<String, Long> stat = cpuDir.keyed("cpu.stat");
                            cpu.setThrottling(
                                    Throttle.newBuilder()
                                            .setPeriods(stat.getOrDefault("nr_periods", 0L))
                                            .setThrottledPeriods(
                                                    stat.getOrDefault("nr_throttled", 0L))
                                            .setThrottledTime(
                                                    stat.getOrDefault("throttled_time", 0L)));
                        });
        if (cpu.hasUsage() || cpu.hasThrottling()) {
            metrics.setCpu(cpu);
        }
        return metrics.build();
    }

    private static Optional<CgroupFiles> files(Map<String, Path> dirs, String controller) {
        return Optional.ofNullable(dirs.get(controller)).map(CgroupFiles::new);
    }

    private static MemoryEntry entry(CgroupFiles memory, String prefix) {
        return MemoryEntry.newBuilder()
                .setUsage(memory.value(prefix + "usage_in_bytes").orElse(0L))
                .setLimit(memory.value(prefix + "limit_in_bytes").orElse(0L))
                .setMax(memory.value(prefix + "max_usage_in_bytes").orElse(0L))
                .setFailcnt(memory.value(prefix + "failcnt").orElse(0L))
                .build();
    }

    private static MemoryStat.Builder memoryStat(Map<String, Long> stat) {
        return MemoryStat.newBuilder()
                .setCache(stat.getOrDefault("cache", 0L))
                .setRss(stat.getOrDefault("rss", 0L))
                .setRssHuge(stat.getOrDefault("rss_huge", 0L))
                .setMappedFile(stat.getOrDefault("mapped_file", 0L))
                .setDirty(stat.getOrDefault("dirty", 0L))
                .setWriteback(stat.getOrDefault("writeback", 0L))
                .setPgPgIn(stat.getOrDefault("pgpgin", 0L))
                .setPgPgOut(stat.getOrDefault("pgpgout", 0L))
                .setPgFault(stat.getOrDefault("pgfault", 0L))
                .setPgMajFault(stat.getOrDefault("pgmajfault", 0L))
                .setInactiveAnon(stat.getOrDefault("inactive_anon", 0L))
                .setActiveAnon(stat.getOrDefault("active_anon", 0L))
                .setInactiveFile(stat.getOrDefault("inactive_file", 0L))
                .setActiveFile(stat.getOrDefault("active_file", 0L))
                .setUnevictable(stat.getOrDefault("unevictable", 0L))
                .setHierarchicalMemoryLimit(stat.getOrDefault("hierarchical_memory_limit", 0L))
                .setHierarchicalSwapLimit(stat.getOrDefault("hierarchical_memsw_limit", 0L))
                .setTotalCache(stat.getOrDefault("total_cache", 0L))
                .setTotalRss(stat.getOrDefault("total_rss", 0L))
                .setTotalRssHuge(stat.getOrDefault("total_rss_huge", 0L))
                .setTotalMappedFile(stat.getOrDefault("total_mapped_file", 0L))
                .setTotalDirty(stat.getOrDefault("total_dirty", 0L))
                .setTotalWriteback(stat.getOrDefault("total_writeback", 0L))
                .setTotalPgPgIn(stat.getOrDefault("total_pgpgin", 0L))
                .setTotalPgPgOut(stat.getOrDefault("total_pgpgout", 0L))
                .setTotalPgFault(stat.getOrDefault("total_pgfault", 0L))
                .setTotalPgMajFault(stat.getOrDefault("total_pgmajfault", 0L))
                .setTotalInactiveAnon(stat.getOrDefault("total_inactive_anon", 0L))
                .setTotalActiveAnon(stat.getOrDefault("total_active_anon", 0L))
                .setTotalInactiveFile(stat.getOrDefault("total_inactive_file", 0L))
                .setTotalActiveFile(stat.getOrDefault("total_active_file", 0L))
                .setTotalUnevictable(stat.getOrDefault("total_unevictable", 0L));
    }
}
