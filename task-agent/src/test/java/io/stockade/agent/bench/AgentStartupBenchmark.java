package io.stockade.agent.bench;

import io.netty.channel.EventLoopGroup;
import io.stockade.transport.Transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Agent start-up benchmark: process start to the first answered Agent {@code Health} over a unix
 * socket, and idle RSS, for (a) the plain JDK with the Maven-built classpath, (b) the guest image's
 * jlink'ed runtime, (c) that runtime with the image's AOT cache and JVM flags (exactly those of its
 * {@code /sbin/init}, plus {@code -XX:AOTMode=on} so that an unusable cache fails loudly instead of
 * being measured as "AOT"). Runs are interleaved so that background load hits all variants alike.
 *
 * <p>Driven by {@code guest-image/rootfs/bench-startup.sh}; arguments: {@code --runs N
 * --idle-seconds S --plain-java <java> --agent-target <task-agent/target> --rootfs <unpacked
 * guest root>}.
 */
public final class AgentStartupBenchmark {
    private AgentStartupBenchmark() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int runs = Integer.parseInt(options.getOrDefault("--runs", "10"));
        Duration idle = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--idle-seconds", "2")));
        List<AgentVariant> variants =
                variants(
                        Path.of(required(options, "--plain-java")),
                        Path.of(required(options, "--agent-target")),
                        Path.of(required(options, "--rootfs")));

        EventLoopGroup group = Transport.newEventLoopGroup(1, "bench-client");
        try {
            StartupProbe probe = new StartupProbe(group, idle);
            Map<String, List<StartupSample>> samples = new LinkedHashMap<>();
            for (AgentVariant variant : variants) {
                probe.measure(variant); // warm-up: page cache, not counted
                samples.put(variant.name(), new ArrayList<>());
            }
            for (int run = 1; run <= runs; run++) {
                for (AgentVariant variant : variants) {
                    StartupSample sample = probe.measure(variant);
                    samples.get(variant.name()).add(sample);
                    System.err.printf(
                            "run %d %-14s %6.0f ms  %6d kB%n",
                            run, variant.name(), sample.startupNanos() / 1e6, sample.idleRssKb());
                }
            }
            System.out.print(table(samples, runs, idle));
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static List<AgentVariant> variants(Path plainJava, Path agentTarget, Path rootfs)
            throws IOException {
        Path agentJar;
        try (Stream<Path> jars = Files.list(agentTarget)) {
            agentJar =
                    jars.filter(p -> p.getFileName().toString().matches("stockade-task-agent-.*\\.jar"))
                            .findFirst()
                            .orElseThrow(
                                    () ->
                                            new IOException(
                                                    "no stockade-task-agent-*.jar in "
                                                            + agentTarget
                                                            + ": run ./mvnw -pl task-agent package"));
        }
        Path guestJava = rootfs.resolve("opt/stockade/java/bin/java");
        Path guestAgent = rootfs.resolve("opt/stockade/agent");
        for (Path required : List.of(guestJava, guestAgent.resolve("agent.aot"))) {
            if (!Files.exists(required)) {
                throw new IOException(required + " missing: is " + rootfs + " an unpacked guest root?");
            }
        }
        return List.of(
                new AgentVariant(
                        "plain-jdk",
                        List.of(
                                plainJava.toString(),
                                "--enable-native-access=ALL-UNNAMED",
                                "-cp",
                                agentJar + ":" + agentTarget.resolve("lib") + "/*",
                                "io.stockade.agent.main.AgentMain"),
                        agentTarget),
                new AgentVariant(
                        "jlink",
                        List.of(
                                guestJava.toString(),
                                "--enable-native-access=ALL-UNNAMED",
                                "-jar",
                                "stockade-task-agent.jar"),
                        guestAgent),
                new AgentVariant(
                        "jlink+aot",
                        List.of(
                                guestJava.toString(),
                                "@jvm.args",
                                "-XX:AOTCache=agent.aot",
                                "-XX:AOTMode=on",
                                "-jar",
                                "stockade-task-agent.jar"),
                        guestAgent));
    }

    static String table(Map<String, List<StartupSample>> samples, int runs, Duration idle) {
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(
                        "agent start-up to first Health (%d runs each, interleaved); idle RSS after %d s%n",
                        runs, idle.toSeconds()));
        out.append("| variant | median ms | min ms | median vs plain | min vs plain | idle RSS median MiB |\n");
        out.append("|---|---|---|---|---|---|\n");
        List<StartupSample> baseline = samples.values().iterator().next();
        double baseMedian = median(baseline.stream().mapToLong(StartupSample::startupNanos).toArray());
        double baseMin = baseline.stream().mapToLong(StartupSample::startupNanos).min().orElseThrow();
        samples.forEach(
                (name, list) -> {
                    long[] nanos = list.stream().mapToLong(StartupSample::startupNanos).toArray();
                    long[] rss = list.stream().mapToLong(StartupSample::idleRssKb).toArray();
                    double median = median(nanos);
                    double min = java.util.Arrays.stream(nanos).min().orElseThrow();
                    out.append(
                            String.format(
                                    "| %s | %.0f | %.0f | %.2f | %.2f | %.1f |%n",
                                    name,
                                    median / 1e6,
                                    min / 1e6,
                                    median / baseMedian,
                                    min / baseMin,
                                    median(rss) / 1024));
                });
        return out.toString();
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static Map<String, String> options(String[] args) {
        if (args.length % 2 != 0) {
            throw new IllegalArgumentException("options come in pairs: --name value");
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing option " + name);
        }
        return value;
    }
}
