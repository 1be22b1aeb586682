package io.stockade.testkit.cri;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The containerd config (TOML, version 3) that turns a private containerd into a CRI node for end-to-end tests:
 * a pinned local sandbox (pause) image, {@code restrict_oom_score_adj} (test machines lack CAP_SYS_RESOURCE, so runc
 * cannot lower a pause container's oom_score_adj), private CNI directories, the loopback-only stream server, and any
 * number of {@link SandboxerRuntime}s. Pass {@link #render()} to {@code ContainerdFixture.Builder.withTomlFragment}.
 */
public final class CriConfigFragment {
    private static final String RUNTIME = "plugins.'io.containerd.cri.v1.runtime'";

    private final String sandboxImage;
    private final List<SandboxerRuntime> sandboxers;
    private final Optional<Path> cniBinDir;
    private final Optional<Path> cniConfDir;

    private CriConfigFragment(Builder builder) {
        this.sandboxImage = builder.sandboxImage;
        this.sandboxers = List.copyOf(builder.sandboxers);
        this.cniBinDir = builder.cniBinDir;
        this.cniConfDir = builder.cniConfDir;
    }

    public static Builder builder(String sandboxImage) {
        return new Builder(sandboxImage);
    }

    public String render() {
        StringBuilder toml = new StringBuilder();
        toml.append("[plugins.'io.containerd.grpc.v1.cri']\n")
                .append("  stream_server_address = \"127.0.0.1\"\n")
                .append("  stream_server_port = \"0\"\n\n");
        toml.append("[plugins.'io.containerd.cri.v1.images'.pinned_images]\n")
                .append("  sandbox = ").append(TomlStrings.quote(sandboxImage)).append("\n\n");
        toml.append('[').append(RUNTIME).append("]\n")
                .append("  restrict_oom_score_adj = true\n")
                .append("  enable_cdi = false\n");
        if (cniConfDir.isPresent()) {
            // Pod network namespaces pinned under containerd's private state dir, not the host's /var/run/netns.
            toml.append("  netns_mounts_under_state_dir = true\n");
        }
        toml.append('\n');
        // Without private directories CRI would read the host's /etc/cni/net.d and could set up host networking.
        if (cniBinDir.isPresent() || cniConfDir.isPresent()) {
            toml.append('[').append(RUNTIME).append(".cni]\n");
            cniBinDir.ifPresent(dir -> toml.append("  bin_dirs = [").append(TomlStrings.quote(dir.toString()))
                    .append("]\n"));
            cniConfDir.ifPresent(dir -> toml.append("  conf_dir = ").append(TomlStrings.quote(dir.toString()))
                    .append('\n'));
            toml.append('\n');
        }
        toml.append('[').append(RUNTIME).append(".containerd.runtimes.runc]\n")
                .append("  runtime_type = \"io.containerd.runc.v2\"\n")
                .append("  sandboxer = \"podsandbox\"\n\n");
        for (SandboxerRuntime sandboxer : sandboxers) {
            String name = sandboxer.name();
            toml.append("[proxy_plugins.").append(name).append("]\n")
                    .append("  type = \"sandbox\"\n")
                    .append("  address = ").append(TomlStrings.quote(sandboxer.socket().toString())).append("\n\n");
            // No `options` table: with a non-runc runtime_type CRI would decode them as runtimeoptions and fail.
            toml.append('[').append(RUNTIME).append(".containerd.runtimes.").append(name).append("]\n")
                    .append("  runtime_type = ").append(TomlStrings.quote(sandboxer.runtimeType())).append('\n')
                    .append("  sandboxer = ").append(TomlStrings.quote(name)).append("\n\n");
        }
        return toml.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** Collects a {@link CriConfigFragment}. */
    public static final class Builder {
        private final String sandboxImage;
        private final List<SandboxerRuntime> sandboxers = new ArrayList<>();
        private Optional<Path> cniBinDir = Optional.empty();
        private Optional<Path> cniConfDir = Optional.empty();

        private Builder(String sandboxImage) {
            if (sandboxImage.isBlank()) {
                throw new IllegalArgumentException("the sandbox image name is blank");
            }
            this.sandboxImage = sandboxImage;
        }

        public Builder sandboxer(SandboxerRuntime runtime) {
            if (runtime.name().equals("runc")) {
                throw new IllegalArgumentException("runtime handler 'runc' is containerd's own; pick another name");
            }
            if (sandboxers.stream().anyMatch(existing -> existing.name().equals(runtime.name()))) {
                throw new IllegalArgumentException("runtime handler '" + runtime.name() + "' configured twice");
            }
            sandboxers.add(runtime);
            return this;
        }

        /** CNI plugin binaries and network configs to use instead of the host's. */
        public Builder cni(Path binDir, Path confDir) {
            this.cniBinDir = Optional.of(binDir.toAbsolutePath());
            this.cniConfDir = Optional.of(confDir.toAbsolutePath());
            return this;
        }

        public CriConfigFragment build() {
            return new CriConfigFragment(this);
        }
    }
}
