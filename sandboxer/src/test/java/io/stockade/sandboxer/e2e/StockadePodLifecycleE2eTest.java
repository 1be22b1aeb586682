package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.testkit.cri.CriLogEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import runtime.v1.Api;

import java.util.List;

/** kubelet's view of a Stockade pod in process mode: every CRI call of a pod's life through containerd 2.1. */
@Tag("host")
class StockadePodLifecycleE2eTest {
    private static CriNode node;
    private final PodLifecycle lifecycle = new PodLifecycle(node, CriNode.STOCKADE);

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

    @AfterEach
    void nothingIsLeftBehind() {
        node.removeAllPods();
        assertEquals(List.of(), node.leftovers(), node::diagnostics);
    }

    @Test
    void aPodGoesThroughTheWholeLifecycle() {
        lifecycle.runFullCycle("stockade-lifecycle");
    }

    @Test
    void thePodSaysItIsNotHardwareIsolatedInProcessMode() {
        PodLifecycle.Pod pod = lifecycle.runPod("stockade-info");
        Api.PodSandboxStatusResponse status = node.cri().podSandboxStatusVerbose(pod.id());
        assertEquals("false", status.getInfoMap().get("hardware_isolated"), "verbose info " + status.getInfoMap());
        assertEquals("process", status.getInfoMap().get("runtime"), "verbose info " + status.getInfoMap());
        lifecycle.stopAndRemove(pod);
    }

    @Test
    void aPodWithTwoContainersKeepsTheirLogsAndExecsApart() {
        PodLifecycle.Pod pod = lifecycle.runPod("stockade-two");
        PodLifecycle.Container first = lifecycle.startContainer(pod, "first", "echo I am first");
        PodLifecycle.Container second = lifecycle.startContainer(pod, "second", "echo I am second");

        lifecycle.awaitLogLine(first, CriLogEntry.Stream.STDOUT, "I am first");
        lifecycle.awaitLogLine(second, CriLogEntry.Stream.STDOUT, "I am second");
        lifecycle.assertExec(first, "first\n", 0, "sh", "-c", "echo first");
        lifecycle.assertExec(second, "second\n", 7, "sh", "-c", "echo second; exit 7");
        // Both share the pod: a file one writes in /tmp of its own rootfs is not the other's.
        lifecycle.assertExec(first, "", 0, "sh", "-c", "touch /tmp/only-in-first");
        lifecycle.assertExec(second, "absent\n", 0, "sh", "-c", "test -e /tmp/only-in-first && echo present || echo absent");

        lifecycle.stopAndRemove(first);
        lifecycle.assertContainerState(second, Api.ContainerState.CONTAINER_RUNNING);
        lifecycle.stopAndRemove(second);
        lifecycle.stopAndRemove(pod);
    }

    @Test
    void stoppingAPodStopsItsRunningContainers() {
        PodLifecycle.Pod pod = lifecycle.runPod("stockade-stop-all");
        PodLifecycle.Container app = lifecycle.startContainer(pod, "app", "echo up");
        lifecycle.awaitLogLine(app, CriLogEntry.Stream.STDOUT, "up");

        node.cri().stopPodSandbox(pod.id());
        lifecycle.assertPodState(pod, Api.PodSandboxState.SANDBOX_NOTREADY);
        lifecycle.assertContainerState(app, Api.ContainerState.CONTAINER_EXITED);
        node.cri().removePodSandbox(pod.id());
    }
}
