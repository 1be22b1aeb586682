package io.stockade.testkit.containerd;

import java.util.ArrayList;
import java.util.List;

/** Renders the config.toml (version 3) of a private containerd. */
final class ConfigToml {

    /**
     * Plugins that would otherwise touch host-global state (NRI's /var/run/nri socket) or that belong to the CRI
     * plugin and are dropped with it.
     */
    static final List<String> ALWAYS_DISABLED = List.of("io.containerd.nri.v1.nri");
    static final List<String> CRI_PLUGINS = List.of(
            "io.containerd.grpc.v1.cri",
            "io.containerd.cri.v1.runtime",
            "io.containerd.cri.v1.images",
            "io.containerd.podsandbox.controller.v1.podsandbox");

    private ConfigToml() {
    }

    static String render(ContainerdDirs dirs, boolean criEnabled, List<String> extraFragments) {
        List<String> disabled = new ArrayList<>(ALWAYS_DISABLED);
        if (!criEnabled) {
            disabled.addAll(CRI_PLUGINS);
        }
        StringBuilder toml = new StringBuilder();
        toml.append("# Written by Stockade's ContainerdFixture: a private containerd for one test.\n");
        toml.append("version = 3\n");
        toml.append("root = ").append(quote(dirs.root().toString())).append('\n');
        toml.append("state = ").append(quote(dirs.state().toString())).append('\n');
        toml.append("disabled_plugins = [")
                .append(String.join(", ", disabled.stream().map(ConfigToml::quote).toList()))
                .append("]\n\n");
        toml.append("[grpc]\n  address = ").append(quote(dirs.grpcSocket().toString())).append('\n');
        toml.append("[ttrpc]\n  address = ").append(quote(dirs.ttrpcSocket().toString())).append('\n');
        toml.append("[debug]\n  address = ").append(quote(dirs.debugSocket().toString())).append('\n');
        toml.append("  level = \"debug\"\n");
        toml.append("[metrics]\n  address = \"\"\n\n");
        toml.append("[plugins.'io.containerd.internal.v1.opt']\n  path = ")
                .append(quote(dirs.opt().toString())).append('\n');
        for (String fragment : extraFragments) {
            toml.append('\n').append(fragment.strip()).append('\n');
        }
        return toml.toString();
    }

    /** A TOML basic string holding {@code value}. */
    static String quote(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
