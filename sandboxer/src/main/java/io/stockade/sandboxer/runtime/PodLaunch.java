package io.stockade.sandboxer.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a runtime needs to start a pod.
 *
 * @param sandboxId the pod
 * @param namespace the containerd namespace (written into the agent's event envelopes)
 * @param netnsPath the pod network namespace; empty for host network
 * @param podDir the pod's runtime directory ({@code <root_dir>/<sandbox-id>})
 */
public record PodLaunch(String sandboxId, String namespace, String netnsPath, Path podDir) {
    public PodLaunch {
        Objects.requireNonNull(sandboxId, "sandboxId");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(netnsPath, "netnsPath");
        Objects.requireNonNull(podDir, "podDir");
    }
}
