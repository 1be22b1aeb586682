package io.stockade.testkit.cri;

import java.nio.file.Path;

/**
 * A CRI runtime handler served by an external sandboxer: containerd reaches the sandboxer's Controller through the
 * proxy plugin {@code [proxy_plugins.<name>]} and CRI pods with {@code runtime_handler = <name>} use it.
 *
 * <p>After its own restart containerd reloads the pods' tasks only if it finds {@link #shimBinaryName()} on its
 * PATH; {@code runtime_path} is not consulted for sandboxed tasks (verified with containerd 2.1.9), so this record
 * has no such setting.
 *
 * @param name   the handler, proxy plugin and sandboxer name (also gives runtime_type {@code io.containerd.<name>.v1}
 *               and so the shim binary name {@code containerd-shim-<name>-v1})
 * @param socket the sandboxer's gRPC Controller socket
 */
public record SandboxerRuntime(String name, Path socket) {
    public SandboxerRuntime {
        TomlStrings.bareKey(name);
        socket = socket.toAbsolutePath();
    }

    /** {@code io.containerd.<name>.v1}: what CRI stores as the runtime name of the pod's containers. */
    public String runtimeType() {
        return "io.containerd." + name + ".v1";
    }

    /** {@code containerd-shim-<name>-v1}: the binary containerd looks up on its PATH for {@link #runtimeType()}. */
    public String shimBinaryName() {
        return "containerd-shim-" + name + "-v1";
    }
}
