package io.stockade.agent.guest;

import io.stockade.proto.agent.v1.GuestMetricsResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Guest-wide usage from {@code /proc}: memory from meminfo, CPU time from stat, load from loadavg.
 */
final class GuestMetricsReader {
    /**
     * The kernel reports CPU time in USER_HZ ticks, which is 100 per second on every architecture
     * we run.
     */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private final Path proc;

    GuestMetricsReader(Path proc) {
        this.proc = proc;
    }

    GuestMetricsResponse read() {
        return parse(text("meminfo"), text("stat"), text("loadavg"));
    }

    private String text(String name) {
        try {
            return Files.readString(proc.resolve(name));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + proc.resolve(name) + ": " + e, e);
        }
    }

    static GuestMetricsResponse parse(String meminfo, String stat, String loadavg) {
        GuestMetricsResponse.Builder metrics = GuestMetricsResponse.newBuilder();
        for (String line : meminfo.split("\n")) {
            String[] words = line.split("\\s+");
            if (words.length >= 2 && words[0].equals("MemTotal:")) {
                metrics.setMemoryTotalBytes(kibibytes("meminfo MemTotal", words[1]));
            } else if (words.length >= 2 && words[0].equals("MemAvailable:")) {
                metrics.setMemoryAvailableBytes(kibibytes("meminfo MemAvailable", words[1]));
            }
        }
        String cpu =
                stat.lines()
                        .filter(l -> l.startsWith("cpu "))
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "/proc/stat has no aggregate 'cpu' line"));
        String[] ticks = cpu.trim().split("\\s+");
        if (ticks.length < 4) {
            throw new IllegalStateException(
                    "/proc/stat cpu line '" + cpu + "' has fewer than 3 counters");
        }
        // user + nice + system
        long busy =
                number("stat user", ticks[1])
                        + number("stat nice", ticks[2])
                        + number("stat system", ticks[3]);
        metrics.setCpuUsageNs(busy * NANOS_PER_TICK);
        String[] load = loadavg.trim().split("\\s+");
        if (load.length < 3) {
            throw new IllegalStateException(
                    "/proc/loadavg '" + loadavg.strip() + "' has fewer than 3 averages");
        }
        try {
            metrics.setLoadAverage1M(Double.parseDouble(load[0]))
                    .setLoadAverage5M(Double.parseDouble(load[1]))
                    .setLoadAverage15M(Double.parseDouble(load[2]));
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    "/proc/loadavg '" + loadavg.strip() + "' is not three numbers first", e);
        }
        return metrics.build();
    }

    private static long kibibytes(String what, String value) {
        return number(what, value) * 1024;
    }

    private static long number(String what, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(what + " '" + value + "' is not a number", e);
        }
    }
}
