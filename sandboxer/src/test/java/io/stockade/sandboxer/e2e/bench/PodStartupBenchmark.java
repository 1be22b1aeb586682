package io.stockade.sandboxer.e2e.bench;

import io.stockade.sandboxer.e2e.CriNode;
import io.stockade.sandboxer.e2e.CriSpecs;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Pod start-up through CRI, Stockade process mode against containerd's default runc runtime (local pause image),
 * measured in the same run on the same containerd: RunPodSandbox latency (it returns once the pod is READY;
 * sequential, median of N, handlers interleaved) and the wall time of K RunPodSandbox calls issued at once. Prints a
 * table; asserts nothing about timing. Run with
 * <pre>
 * flock /tmp/stockade-sandboxer.lock ./mvnw -B -ntp -q -pl sandboxer test -Dstockade.tiers=unit,host \
 *     -Dtest=PodStartupBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dstockade.bench=true \
 *     [-Dstockade.bench.n=10] [-Dstockade.bench.concurrent=20]
 * </pre>
 * The table goes to {@code sandboxer/target/bench/pod-startup.txt} and to the test's output file.
 */
@Tag("host")
@EnabledIfSystemProperty(named = "stockade.bench", matches = "true")
class PodStartupBenchmark {
    private static final List<String> HANDLERS = List.of(CriNode.STOCKADE, CriNode.RUNC);
    private static final int WARM_UP = 2;
    private static final Duration BATCH_BOUND = Duration.ofMinutes(5);

    @Test
    void stockadeProcessModeVersusRunc() throws Exception {
        int n = Integer.getInteger("stockade.bench.n", 10);
        int concurrent = Integer.getInteger("stockade.bench.concurrent", 20);
        Map<String, LatencySample> runp = new LinkedHashMap<>();
        Map<String, LatencySample> teardown = new LinkedHashMap<>();
        Map<String, Duration> batch = new LinkedHashMap<>();
        Map<String, String> unavailable = new LinkedHashMap<>();
        try (CriNode node = CriNode.start()) {
            List<String> usable = new ArrayList<>();
            for (String handler : HANDLERS) {
                try {
                    for (int i = 0; i < WARM_UP; i++) {
                        onePod(node, handler, "warm-" + handler + "-" + i, new LatencySample(), new LatencySample());
                    }
                    usable.add(handler);
                    runp.put(handler, new LatencySample());
                    teardown.put(handler, new LatencySample());
                } catch (RuntimeException e) {
                    // A handler that cannot start a pod is reported as such; the other one is still measured.
                    unavailable.put(handler, e.getMessage());
                    node.removeAllPods();
                }
            }
            for (int i = 0; i < n; i++) {
                for (String handler : usable) {
                    onePod(node, handler, "seq-" + handler + "-" + i, runp.get(handler), teardown.get(handler));
                }
            }
            for (String handler : usable) {
                batch.put(handler, concurrentBatch(node, handler, concurrent));
            }
        }
        String table = table(n, concurrent, runp, teardown, batch, unavailable);
        System.out.println(table);
        Path out = Path.of("target", "bench", "pod-startup.txt");
        try {
            Files.createDirectories(out.getParent());
            Files.writeString(out, table);
        } catch (IOException e) {
            System.out.println("(cannot write " + out.toAbsolutePath() + ": " + e + ")");
        }
    }

    private static void onePod(CriNode node, String handler, String name, LatencySample start,
            LatencySample stop) {
        var config = CriSpecs.hostNetworkPod(name, node.logRoot());
        long t0 = System.nanoTime();
        String id = node.cri().runPodSandbox(config, handler);
        long t1 = System.nanoTime();
        node.cri().stopPodSandbox(id);
        node.cri().removePodSandbox(id);
        long t2 = System.nanoTime();
        start.add(Duration.ofNanos(t1 - t0));
        stop.add(Duration.ofNanos(t2 - t1));
    }

    /** Wall time from issuing {@code count} RunPodSandbox calls at once until the last one returned. */
    private static Duration concurrentBatch(CriNode node, String handler, int count) throws Exception {
        List<Future<String>> pods = new ArrayList<>();
        long t0;
        long t1;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                var config = CriSpecs.hostNetworkPod("batch-" + handler + "-" + i, node.logRoot());
                pods.add(pool.submit(() -> node.cri().runPodSandbox(config, handler)));
            }
            for (Future<String> pod : pods) {
                pod.get(BATCH_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
            t1 = System.nanoTime();
        }
        node.removeAllPods();
        return Duration.ofNanos(t1 - t0);
    }

    private static String table(int n, int concurrent, Map<String, LatencySample> runp,
            Map<String, LatencySample> teardown, Map<String, Duration> batch, Map<String, String> unavailable) {
        StringBuilder out = new StringBuilder();
        out.append("Pod start-up via CRI (containerd 2.1.9, host network, ")
                .append(Runtime.getRuntime().availableProcessors()).append(" CPUs), N = ").append(n)
                .append(" sequential pods per handler after ").append(WARM_UP).append(" warm-up pods\n");
        out.append(String.format("%-10s | %14s | %12s | %18s | %20s | %12s%n", "handler", "runp median ms",
                "runp p90 ms", "stop+rm median ms", concurrent + " at once: wall ms", "pods/s"));
        out.append("-".repeat(101)).append('\n');
        for (String handler : runp.keySet()) {
            Duration wall = batch.get(handler);
            out.append(String.format("%-10s | %14d | %12d | %18d | %20d | %12.1f%n", handler,
                    runp.get(handler).median().toMillis(), runp.get(handler).quantile(0.9).toMillis(),
                    teardown.get(handler).median().toMillis(), wall.toMillis(),
                    concurrent / (wall.toNanos() / 1e9)));
        }
        unavailable.forEach((handler, error) ->
                out.append(String.format("%-10s | could not start a pod: %s%n", handler, error)));
        return out.toString();
    }
}
