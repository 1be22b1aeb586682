package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.stockade.testkit.cri.CriLogEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import runtime.v1.Api;

import java.util.List;

/**
 * Restarts of either daemon lose no pod: containerd recovers the pod from Controller.Status and the task from
 * bootstrap.json (resolving containerd-shim-stockade-v1); a new sandboxer re-attaches to the running agents.
 * Each test gets its own node because it restarts its daemons.
 */
@Tag("host")
class StockadeRestartE2eTest {
    private CriNode node;
    private PodLifecycle lifecycle;

    @BeforeEach
    void startNode() {
        node = CriNode.start();
        lifecycle = new PodLifecycle(node, CriNode.STOCKADE);
    }

    @AfterEach
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aRunningPodSurvivesAContainerdRestart() {
        PodLifecycle.Pod pod = lifecycle.runPod("survives-containerd");
        PodLifecycle.Container app = lifecycle.startContainer(pod, "app", "echo before restart");
        lifecycle.awaitLogLine(app, CriLogEntry.Stream.STDOUT, "before restart");

        node.restartContainerd();

        lifecycle.assertPodState(pod, Api.PodSandboxState.SANDBOX_READY);
        lifecycle.assertContainerState(app, Api.ContainerState.CONTAINER_RUNNING);
        lifecycle.assertExec(app, "after restart\n", 0, "echo", "after restart");
        lifecycle.stopAndRemove(app);
        lifecycle.stopAndRemove(pod);
        assertEquals(List.of(), node.leftovers(), node::diagnostics);
    }

    /** Why packaging ships the stub: without it containerd drops the task of a running container on restart. */
    @Test
    void withoutTheShimStubContainerdLosesTheContainerOnRestart() {
        PodLifecycle.Pod pod = lifecycle.runPod("no-stub");
        PodLifecycle.Container app = lifecycle.startContainer(pod, "app", "echo before restart");
        lifecycle.awaitLogLine(app, CriLogEntry.Stream.STDOUT, "before restart");

        node.restartContainerdWithoutShimStub();

        Api.ContainerState state = node.cri().containerStatus(app.id()).getState();
        assertNotEquals(Api.ContainerState.CONTAINER_RUNNING, state, "container state after a restart without stub");
        lifecycle.stopAndRemove(pod);
    }

    @Test
    @Disabled("Known gap: the per-pod Task server lives in the sandboxer process, so its restart drops containerd's task"
            + " connections and CRI marks running containers EXITED (255). Needs task.sock served by a process that"
            + " outlives the sandboxer; see docs/status.md.")
    void aRunningPodSurvivesASandboxerRestart() {
        PodLifecycle.Pod pod = lifecycle.runPod("survives-sandboxer");
        PodLifecycle.Container app = lifecycle.startContainer(pod, "app", "echo before restart");
        lifecycle.awaitLogLine(app, CriLogEntry.Stream.STDOUT, "before restart");

        node.restartSandboxer();

        lifecycle.awaitPodReady(pod);
        lifecycle.assertContainerState(app, Api.ContainerState.CONTAINER_RUNNING);
        lifecycle.assertExec(app, "after restart\n", 0, "echo", "after restart");
        // A new container in the old pod goes through the re-attached Task proxy.
        PodLifecycle.Container late = lifecycle.startContainer(pod, "late", "echo started after restart");
        lifecycle.awaitLogLine(late, CriLogEntry.Stream.STDOUT, "started after restart");
        lifecycle.stopAndRemove(late);
        lifecycle.stopAndRemove(app);
        lifecycle.stopAndRemove(pod);
        assertEquals(List.of(), node.leftovers(), node::diagnostics);
    }
}
