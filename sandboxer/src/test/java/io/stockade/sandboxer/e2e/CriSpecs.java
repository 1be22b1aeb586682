package io.stockade.sandboxer.e2e;

import runtime.v1.Api;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The pod and container configs the tests send, shaped like kubelet's: metadata with a fresh uid, a per-pod log
 * directory, host network (or a pod network where the node has one, see {@link CniNetwork}), and containers whose
 * logs land in {@code <log dir>/<name>/0.log}.
 */
public final class CriSpecs {
    private CriSpecs() {
    }

    /** A host-network pod named {@code name} in Kubernetes namespace {@code e2e}, logging under {@code logRoot}. */
    public static Api.PodSandboxConfig hostNetworkPod(String name, Path logRoot) {
        String uid = UUID.randomUUID().toString();
        return Api.PodSandboxConfig.newBuilder()
                .setMetadata(Api.PodSandboxMetadata.newBuilder()
                        .setName(name)
                        .setNamespace("e2e")
                        .setUid(uid))
                .setLogDirectory(logRoot.resolve("e2e_" + name + "_" + uid).toString())
                .putLabels("io.stockade.test", "e2e")
                .setLinux(Api.LinuxPodSandboxConfig.newBuilder()
                        .setSecurityContext(Api.LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(Api.NamespaceOption.newBuilder()
                                        .setNetwork(Api.NamespaceMode.NODE)
                                        .setPid(Api.NamespaceMode.CONTAINER)
                                        .setIpc(Api.NamespaceMode.POD))))
                .build();
    }

    /** Like {@link #hostNetworkPod} but in its own network namespace, networked by CRI's CNI config. */
    static Api.PodSandboxConfig podNetworkPod(String name, Path logRoot) {
        Api.PodSandboxConfig hostNetwork = hostNetworkPod(name, logRoot);
        return hostNetwork.toBuilder()
                .setHostname(name)
                .setLinux(hostNetwork.getLinux().toBuilder()
                        .setSecurityContext(hostNetwork.getLinux().getSecurityContext().toBuilder()
                                .setNamespaceOptions(hostNetwork.getLinux().getSecurityContext().getNamespaceOptions()
                                        .toBuilder()
                                        .setNetwork(Api.NamespaceMode.POD))))
                .build();
    }

    /** A container of {@code image} running {@code command}, logging to {@code <name>/0.log} in the pod's dir. */
    static Api.ContainerConfig container(String name, String image, List<String> command) {
        return Api.ContainerConfig.newBuilder()
                .setMetadata(Api.ContainerMetadata.newBuilder().setName(name))
                .setImage(Api.ImageSpec.newBuilder().setImage(image))
                .addAllCommand(command)
                .setLogPath(name + "/0.log")
                .putLabels("io.stockade.test", "e2e")
                .build();
    }

    /** The log file CRI writes for a container created from {@link #container}. */
    static Path logFile(Api.PodSandboxConfig pod, Api.ContainerConfig container) {
        return Path.of(pod.getLogDirectory()).resolve(container.getLogPath());
    }
}
