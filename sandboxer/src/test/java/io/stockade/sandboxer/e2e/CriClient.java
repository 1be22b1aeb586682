package io.stockade.sandboxer.e2e;

import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import runtime.v1.Api;
import runtime.v1.ImageServiceGrpc;
import runtime.v1.RuntimeServiceGrpc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CRI client the way kubelet talks to containerd: gRPC over containerd's unix socket (CRI needs no namespace
 * metadata; it always works in {@code k8s.io}). Every call carries a deadline so a hung runtime fails the test
 * with a DEADLINE_EXCEEDED naming the call instead of hanging it.
 */
public final class CriClient implements AutoCloseable {
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    private final Path socket;
    private final ManagedChannel channel;
    private final Duration deadline;

    CriClient(Path socket) {
        this(socket, DEFAULT_DEADLINE);
    }

    CriClient(Path socket, Duration deadline) {
        this.socket = socket;
        this.deadline = deadline;
        this.channel = Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(16 << 20)
                .build();
    }

    /** The runtime service with this client's deadline, for calls this class has no shortcut for. */
    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadline(Deadline.after(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }

    ImageServiceGrpc.ImageServiceBlockingStub images() {
        return ImageServiceGrpc.newBlockingStub(channel)
                .withDeadline(Deadline.after(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }

    Api.VersionResponse version() {
        return runtime().version(Api.VersionRequest.newBuilder().setVersion("v1").build());
    }

    /** RunPodSandbox with this runtime handler ({@code stockade}, or {@code runc} for containerd's own pods). */
    public String runPodSandbox(Api.PodSandboxConfig config, String runtimeHandler) {
        return runtime().runPodSandbox(Api.RunPodSandboxRequest.newBuilder()
                .setConfig(config)
                .setRuntimeHandler(runtimeHandler)
                .build()).getPodSandboxId();
    }

    Api.PodSandboxStatus podSandboxStatus(String podId) {
        return runtime().podSandboxStatus(Api.PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podId)
                .build()).getStatus();
    }

    /** PodSandboxStatus with {@code verbose}: the status plus the runtime's info map. */
    Api.PodSandboxStatusResponse podSandboxStatusVerbose(String podId) {
        return runtime().podSandboxStatus(Api.PodSandboxStatusRequest.newBuilder()
                .setPodSandboxId(podId)
                .setVerbose(true)
                .build());
    }

    public void stopPodSandbox(String podId) {
        runtime().stopPodSandbox(Api.StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    public void removePodSandbox(String podId) {
        runtime().removePodSandbox(Api.RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    List<Api.PodSandbox> listPodSandboxes() {
        return runtime().listPodSandbox(Api.ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    String createContainer(String podId, Api.ContainerConfig config, Api.PodSandboxConfig podConfig) {
        return runtime().createContainer(Api.CreateContainerRequest.newBuilder()
                .setPodSandboxId(podId)
                .setConfig(config)
                .setSandboxConfig(podConfig)
                .build()).getContainerId();
    }

    void startContainer(String containerId) {
        runtime().startContainer(Api.StartContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    Api.ContainerStatus containerStatus(String containerId) {
        return runtime().containerStatus(Api.ContainerStatusRequest.newBuilder()
                .setContainerId(containerId)
                .build()).getStatus();
    }

    void stopContainer(String containerId, long timeoutSeconds) {
        runtime().stopContainer(Api.StopContainerRequest.newBuilder()
                .setContainerId(containerId)
                .setTimeout(timeoutSeconds)
                .build());
    }

    void removeContainer(String containerId) {
        runtime().removeContainer(Api.RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    List<Api.Container> listContainers() {
        return runtime().listContainers(Api.ListContainersRequest.getDefaultInstance()).getContainersList();
    }

    /** ExecSync with a CRI-side timeout (seconds; 0 = none) on top of this client's deadline. */
    ExecResult execSync(String containerId, long timeoutSeconds, String... command) {
        Api.ExecSyncResponse response = runtime().execSync(Api.ExecSyncRequest.newBuilder()
                .setContainerId(containerId)
                .addAllCmd(List.of(command))
                .setTimeout(timeoutSeconds)
                .build());
        return new ExecResult(response.getExitCode(), response.getStdout().toStringUtf8(),
                response.getStderr().toStringUtf8());
    }

    /** Whether the image service knows this image (by the name it was imported under). */
    boolean hasImage(String image) {
        return images().imageStatus(Api.ImageStatusRequest.newBuilder()
                .setImage(Api.ImageSpec.newBuilder().setImage(image))
                .build()).hasImage();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "CRI client of " + socket;
    }

    /** What ExecSync returned. */
    record ExecResult(int exitCode, String stdout, String stderr) {
    }
}
