package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.testkit.cri.CriLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Twenty pods started at once all come up, run a container each, and all go away without a trace. */
@Tag("host")
class StockadeConcurrentPodsE2eTest {
    static final int PODS = 20;
    /** A bound on the whole batch so a deadlock fails the test instead of hanging it; not a performance claim. */
    static final Duration BATCH_BOUND = Duration.ofMinutes(5);
    private static CriNode node;

    @BeforeAll
    static void startNode() {
        node = CriNode.start();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void twentyPodsStartedConcurrentlyAllRunAndAllGoAway() throws Exception {
        PodLifecycle lifecycle = new PodLifecycle(node, CriNode.STOCKADE);
        List<Future<PodLifecycle.Container>> started = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < PODS; i++) {
                String name = "concurrent-" + i;
                started.add(pool.submit(() -> {
                    PodLifecycle.Pod pod = lifecycle.runPod(name);
                    return lifecycle.startContainer(pod, "app", "echo I am " + name);
                }));
            }
            List<PodLifecycle.Container> containers = new ArrayList<>();
            for (Future<PodLifecycle.Container> future : started) {
                containers.add(future.get(BATCH_BOUND.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(PODS, node.cri().listPodSandboxes().size());
            for (PodLifecycle.Container container : containers) {
                lifecycle.awaitLogLine(container, CriLogEntry.Stream.STDOUT,
                        "I am " + container.pod().config().getMetadata().getName());
            }

            List<Future<?>> removed = new ArrayList<>();
            for (PodLifecycle.Container container : containers) {
                removed.add(pool.submit(() -> lifecycle.stopAndRemove(container.pod())));
            }
            for (Future<?> future : removed) {
                future.get(BATCH_BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of(), node.cri().listPodSandboxes());
        assertEquals(List.of(), node.leftovers(), node::diagnostics);
    }
}
