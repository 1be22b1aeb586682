package io.stockade.agent.cgroup;

import io.containerd.cgroups.v2.MetricsOuterClass.CPUStat;
import io.containerd.cgroups.v2.MetricsOuterClass.IOEntry;
import io.containerd.cgroups.v2.MetricsOuterClass.IOStat;
import io.containerd.cgroups.v2.MetricsOuterClass.MemoryEvents;
import io.containerd.cgroups.v2.MetricsOuterClass.MemoryStat;
import io.containerd.cgroups.v2.MetricsOuterClass.Metrics;
import io.containerd.cgroups.v2.MetricsOuterClass.PidsStat;

import java.util.Map;

/**
 * containerd's {@code io.containerd.cgroups.v2.Metrics} from the files of a cgroup v2 directory.
 */
final class V2Metrics {
    private V2Metrics() {}

    static Metrics read(CgroupFiles files) {
        Metrics.Builder metrics = Metrics.newBuilder();
        files.value("pids.current")
                .ifPresent(
                        current ->
                                metrics.setPids(
                                        PidsStat.newBuilder()
                                                .setCurrent(current)
                                                .setLimit(
                                                        files.value("pids.max")
                                                                .map(V2Metrics::unlimitedAsZero)
                                                                .orElse(0L))));
        Map<String, Long> cpu = files.keyed("cpu.stat");
        if (!cpu.isEmpty()) {
            metrics.setCpu(
                    CPUStat.newBuilder()
                            .setUsageUsec(cpu.getOrDefault("usage_usec", 0L))
                            .setUserUsec(cpu.getOrDefault("user_usec", 0L))
                            .setSystemUsec(cpu.getOrDefault("system_usec", 0L))
                            .setNrPeriods(cpu.getOrDefault("nr_periods", 0L))
                            .setNrThrottled(cpu.getOrDefault("nr_throttled", 0L))
                            .setThrottledUsec(cpu.getOrDefault("throttled_usec", 0L)));
        }
        Map<String, Long> memory = files.keyed("memory.stat");
        if (!memory.isEmpty()) {
            metrics.setMemory(
                    memoryStat(memory)
                            .setUsage(files.value("memory.current").orElse(0L))
                            .setUsageLimit(
                                    files.value("memory.max")
                                            .map(V2Metrics::unlimitedAsZero)
                                            .orElse(0L))
                            .setSwapUsage(files.value("memory.swap.current").orElse(0L))
                            .setSwapLimit(
                                    files.value("memory.swap.max")
                                            .map(V2Metrics::unlimitedAsZero)
                                            .orElse(0L))
                            .setMaxUsage(files.value("memory.peak").orElse(0L))
                            .setSwapMaxUsage(files.value("memory.swap.peak").orElse(0L)));
        }
        Map<String, Long> events = files.keyed("memory.events");
        if (!events.isEmpty()) {
            metrics.setMemoryEvents(
                    MemoryEvents.newBuilder()
                            .setLow(events.getOrDefault("low", 0L))
                            .setHigh(events.getOrDefault("high", 0L))
                            .setMax(events.getOrDefault("max", 0L))
                            .setOom(events.getOrDefault("oom", 0L))
                            .setOomKill(events.getOrDefault("oom_kill", 0L)));
        }
        files.text("io.stat")
                .ifPresent(
                        text ->
                                metrics.setIo(
                                        ioStat(files.dir().resolve("io.stat").toString(), text)));
        return metrics.build();
    }

    /** containerd reports "no limit" as 0. */
    private static long unlimitedAsZero(long value) {
        return value == Long.MAX_VALUE ? 0 : value;
    }

    private static MemoryStat.Builder memoryStat(Map<String, Long> stat) {
        return MemoryStat.newBuilder()
                .setAnon(stat.getOrDefault("anon", 0L))
                .setFile(stat.getOrDefault("file", 0L))
                .setKernelStack(stat.getOrDefault("kernel_stack", 0L))
                .setSlab(stat.getOrDefault("slab", 0L))
                .setSock(stat.getOrDefault("sock", 0L))
                .setShmem(stat.getOrDefault("shmem", 0L))
                .setFileMapped(stat.getOrDefault("file_mapped", 0L))
                .setFileDirty(stat.getOrDefault("file_dirty", 0L))
                .setFileWriteback(stat.getOrDefault("file_writeback", 0L))
                .setAnonThp(stat.getOrDefault("anon_thp", 0L))
                .setInactiveAnon(stat.getOrDefault("inactive_anon", 0L))
                .setActiveAnon(stat.getOrDefault("active_anon", 0L))
                .setInactiveFile(stat.getOrDefault("inactive_file", 0L))
                .setActiveFile(stat.getOrDefault("active_file", 0L))
                .setUnevictable(stat.getOrDefault("unevictable", 0L))
                .setSlabReclaimable(stat.getOrDefault("slab_reclaimable", 0L))
                .setSlabUnreclaimable(stat.getOrDefault("slab_unreclaimable", 0L))
                .setPgfault(stat.getOrDefault("pgfault", 0L))
                .setPgmajfault(stat.getOrDefault("pgmajfault", 0L))
                .setWorkingsetRefault(
                        stat.getOrDefault("workingset_refault_anon", 0L)
                                + stat.getOrDefault(
                                        "workingset_refault_file",
                                        stat.getOrDefault("workingset_refault", 0L)))
                .setWorkingsetActivate(
                        stat.getOrDefault("workingset_activate_anon", 0L)
                                + stat.getOrDefault(
                                        "workingset_activate_file",
                                        stat.getOrDefault("workingset_activate", 0L)))
                .setWorkingsetNodereclaim(stat.getOrDefault("workingset_nodereclaim", 0L))
                .setPgrefill(stat.getOrDefault("pgrefill", 0L))
                .setPgscan(stat.getOrDefault("pgscan", 0L))
                .setPgsteal(stat.getOrDefault("pgsteal", 0L))
                .setPgactivate(stat.getOrDefault("pgactivate", 0L))
                .setPgdeactivate(stat.getOrDefault("pgdeactivate", 0L))
                .setPglazyfree(stat.getOrDefault("pglazyfree", 0L))
                .setPglazyfreed(stat.getOrDefault("pglazyfreed", 0L))
                .setThpFaultAlloc(stat.getOrDefault("thp_fault_alloc", 0L))
                .setThpCollapseAlloc(stat.getOrDefault("thp_collapse_alloc", 0L));
    }

    /**
     * {@code io.stat}: per device {@code MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N}.
     */
    static IOStat ioStat(String source, String text) {
        IOStat.Builder io = IOStat.newBuilder();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] words = line.strip().split("\\s+");
            String[] device = words[0].split(":");
            if (device.length != 2) {
                throw new CgroupException(
                        source + ": line '" + line + "' does not start with MAJOR:MINOR");
            }
            IOEntry.Builder entry =
                    IOEntry.newBuilder()
                            .setMajor(FlatKeyedFile.parseValue(source, "major", device[0]))
                            .setMinor(FlatKeyedFile.parseValue(source, "minor", device[1]));
            for (int i = 1; i < words.length; i++) {
                String[] pair = words[i].split("=", 2);
                if (pair.length != 2) {
                    throw new CgroupException(
                            source
                                    + ": '"
                                    + words[i]
                                    + "' in line '"
                                    + line
                                    + "' is not key=value");
                }
                long value = FlatKeyedFile.parseValue(source, pair[0], pair[1]);
                switch (pair[0]) {
                    case "rbytes" -> entry.setRbytes(value);
                    case "wbytes" -> entry.setWbytes(value);
                    case "rios" -> entry.setRios(value);
                    case "wios" -> entry.setWios(value);
                    default -> {} // dbytes, dios and newer keys have no field in the metrics
                                  // message
                }
            }
            io.addUsage(entry);
        }
        return io.build();
    }
}
