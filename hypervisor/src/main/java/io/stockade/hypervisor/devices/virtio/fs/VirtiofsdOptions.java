package io.stockade.hypervisor.devices.virtio.fs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to run one virtiofsd: the binary (or the wrapper written by {@code scripts/fetch-virtiofsd.sh}), the vhost-user
 * socket it listens on, the directory it exports, its cache policy and its sandbox.
 */
public record VirtiofsdOptions(Path binary, Path socketPath, Path sharedDir, Cache cache, Sandbox sandbox) {

    /** virtiofsd's {@code --cache}: how long the guest may trust cached data and metadata. */
    public enum Cache {
        /** Always revalidate: right when the host changes the directory under the guest (pod volumes). */
        NEVER,
        /** Revalidate on open and on metadata timeout. */
        AUTO
    }

    /** virtiofsd's {@code --sandbox}: {@code NAMESPACE} confines it to the shared directory and needs root. */
    public enum Sandbox {
        NONE,
        NAMESPACE
    }

    public VirtiofsdOptions {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(socketPath, "socketPath");
        Objects.requireNonNull(sharedDir, "sharedDir");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(sandbox, "sandbox");
    }

    List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--socket-path=" + socketPath);
        command.add("--shared-dir=" + sharedDir);
        command.add("--cache=" + cache.name().toLowerCase(java.util.Locale.ROOT));
        command.add("--sandbox=" + sandbox.name().toLowerCase(java.util.Locale.ROOT));
        return List.copyOf(command);
    }
}
