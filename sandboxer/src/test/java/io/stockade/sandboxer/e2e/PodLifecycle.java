package io.stockade.sandboxer.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.stockade.testkit.cri.CriLog;
import io.stockade.testkit.cri.CriLogEntry;
import runtime.v1.Api;

import java.nio.file.Path;
import java.util.List;

/**
 * The CRI calls kubelet makes over a pod's life, each followed by the checks that prove it worked, written once and
 * run against any runtime handler (stockade, and runc as the baseline that proves the harness itself).
 */
final class PodLifecycle {
    private final CriNode node;
    private final String handler;

    PodLifecycle(CriNode node, String handler) {
        this.node = node;
        this.handler = handler;
    }

    /** A running pod and the config it was created from. */
    record Pod(String id, Api.PodSandboxConfig config) {
    }

    /** A running container, its pod and config. */
    record Container(String id, Pod pod, Api.ContainerConfig config) {
        Path logFile() {
            return CriSpecs.logFile(pod.config(), config);
        }
    }

    Pod runPod(String name) {
        return runPod(CriSpecs.hostNetworkPod(name, node.logRoot()));
    }

    Pod runPod(Api.PodSandboxConfig config) {
        String id = node.cri().runPodSandbox(config, handler);
        Pod pod = new Pod(id, config);
        assertPodState(pod, Api.PodSandboxState.SANDBOX_READY);
        return pod;
    }

    /** Creates and starts a container running {@code script} then sleeping; asserts it is RUNNING. */
    Container startContainer(Pod pod, String name, String script) {
        Api.ContainerConfig config = CriSpecs.container(name, node.busyboxImage(), node.shellThenSleep(script));
        String id = node.cri().createContainer(pod.id(), config, pod.config());
        assertEquals(Api.ContainerState.CONTAINER_CREATED, node.cri().containerStatus(id).getState(),
                "state of container " + name + " after CreateContainer");
        node.cri().startContainer(id);
        Container container = new Container(id, pod, config);
        assertContainerState(container, Api.ContainerState.CONTAINER_RUNNING);
        return container;
    }

    /** Waits (bounded) until the container's CRI log file holds {@code line} on {@code stream}. */
    void awaitLogLine(Container container, CriLogEntry.Stream stream, String line) {
        Eventually.until("log line '" + line + "' on " + stream + " of container " + container.config().getMetadata()
                        .getName() + " in " + container.logFile(),
                () -> CriLog.read(container.logFile()).lines(stream).contains(line),
                () -> CriLog.read(container.logFile()).entries() + "\n" + node.diagnostics());
    }

    void assertExec(Container container, String expectedStdout, int expectedExitCode, String... command) {
        CriClient.ExecResult result = node.cri().execSync(container.id(), 30, command);
        assertEquals(expectedStdout, result.stdout(), "stdout of exec " + List.of(command) + "; " + result);
        assertEquals(expectedExitCode, result.exitCode(), "exit code of exec " + List.of(command) + "; " + result);
    }

    void stopAndRemove(Container container) {
        node.cri().stopContainer(container.id(), 10);
        assertContainerState(container, Api.ContainerState.CONTAINER_EXITED);
        node.cri().removeContainer(container.id());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                () -> node.cri().containerStatus(container.id()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), "status of a removed container");
    }

    void stopAndRemove(Pod pod) {
        node.cri().stopPodSandbox(pod.id());
        assertPodState(pod, Api.PodSandboxState.SANDBOX_NOTREADY);
        node.cri().removePodSandbox(pod.id());
        assertFalse(node.cri().listPodSandboxes().stream().anyMatch(p -> p.getId().equals(pod.id())),
                "pod " + pod.id() + " still listed after RemovePodSandbox");
    }

    void assertPodState(Pod pod, Api.PodSandboxState expected) {
        Api.PodSandboxStatus status = node.cri().podSandboxStatus(pod.id());
        assertEquals(expected, status.getState(), "state of pod " + pod.config().getMetadata().getName() + " ("
                + pod.id() + ")\n" + node.diagnostics());
    }

    /**
     * Waits (bounded) until PodSandboxStatus answers READY, tolerating UNAVAILABLE: right after a sandboxer restart
     * containerd's gRPC connection to it may still be in reconnect back-off, and kubelet simply asks again.
     */
    void awaitPodReady(Pod pod) {
        Eventually.until("pod " + pod.id() + " READY", () -> {
            try {
                return node.cri().podSandboxStatus(pod.id()).getState() == Api.PodSandboxState.SANDBOX_READY;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    return false;
                }
                throw e;
            }
        }, () -> describePodStatus(pod) + "\n" + node.diagnostics());
    }

    private String describePodStatus(Pod pod) {
        try {
            return node.cri().podSandboxStatus(pod.id()).getState().toString();
        } catch (StatusRuntimeException e) {
            return e.getStatus().toString();
        }
    }

    void assertContainerState(Container container, Api.ContainerState expected) {
        Api.ContainerStatus status = node.cri().containerStatus(container.id());
        assertEquals(expected, status.getState(), "state of container " + container.config().getMetadata().getName()
                + " (" + container.id() + "): " + status.getReason() + " " + status.getMessage() + "\n"
                + node.diagnostics());
    }

    /** The whole cycle with one container: run, create, start, logs, exec, stop, remove, stop pod, remove pod. */
    void runFullCycle(String podName) {
        Pod pod = runPod(podName);
        Container app = startContainer(pod, "app", "echo hello from " + handler + "; echo to-stderr >&2");
        awaitLogLine(app, CriLogEntry.Stream.STDOUT, "hello from " + handler);
        awaitLogLine(app, CriLogEntry.Stream.STDERR, "to-stderr");
        assertExec(app, "exec-out\n", 3, "sh", "-c", "echo exec-out; exit 3");
        CriClient.ExecResult split = node.cri().execSync(app.id(), 30, "sh", "-c", "echo out; echo err >&2");
        assertEquals(new CriClient.ExecResult(0, "out\n", "err\n"), split, "exec keeps stdout and stderr apart");
        stopAndRemove(app);
        stopAndRemove(pod);
    }
}
