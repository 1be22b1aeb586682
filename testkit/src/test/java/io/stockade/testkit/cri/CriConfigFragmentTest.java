package io.stockade.testkit.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

class CriConfigFragmentTest {
    private static final SandboxerRuntime STOCKADE = new SandboxerRuntime("stockade",
            Path.of("/run/stockade/sandboxer.sock"));

    @Test
    void pinsTheSandboxImageAndRestrictsOomScoreAdj() {
        String toml = CriConfigFragment.builder("docker.io/stockade/pause:e2e").build().render();
        assertTrue(toml.contains("[plugins.'io.containerd.cri.v1.images'.pinned_images]\n"
                + "  sandbox = \"docker.io/stockade/pause:e2e\"\n"), toml);
        assertTrue(toml.contains("[plugins.'io.containerd.cri.v1.runtime']\n  restrict_oom_score_adj = true\n"), toml);
        assertTrue(toml.contains("stream_server_address = \"127.0.0.1\""), toml);
        assertFalse(toml.contains("proxy_plugins"), toml);
    }

    @Test
    void wiresASandboxerAsProxyPluginAndRuntimeHandlerWithoutOptions() {
        String toml = CriConfigFragment.builder("p:1").sandboxer(STOCKADE).build().render();
        assertTrue(toml.contains("[proxy_plugins.stockade]\n  type = \"sandbox\"\n"
                + "  address = \"/run/stockade/sandboxer.sock\"\n"), toml);
        assertTrue(toml.contains("[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.stockade]\n"
                + "  runtime_type = \"io.containerd.stockade.v1\"\n"
                + "  sandboxer = \"stockade\"\n\n"), toml);
        assertFalse(toml.contains("runtimes.stockade.options"), toml);
    }

    @Test
    void usesPrivateCniDirectoriesWhenGiven() {
        String toml = CriConfigFragment.builder("p:1").cni(Path.of("/x/bin"), Path.of("/x/net.d")).build().render();
        assertTrue(toml.contains(".cni]\n  bin_dirs = [\"/x/bin\"]\n  conf_dir = \"/x/net.d\"\n"), toml);
        assertTrue(toml.contains("  netns_mounts_under_state_dir = true\n"), toml);
        assertFalse(CriConfigFragment.builder("p:1").build().render().contains("netns_mounts_under_state_dir"));
    }

    @Test
    void namesTheShimBinaryAfterTheRuntimeType() {
        assertEquals("io.containerd.stockade.v1", STOCKADE.runtimeType());
        assertEquals("containerd-shim-stockade-v1", STOCKADE.shimBinaryName());
    }

    @Test
    void quotesPathsAndRejectsNamesThatAreNotBareKeys() {
        SandboxerRuntime quoted = new SandboxerRuntime("s", Path.of("/tmp/a\"b"));
        assertTrue(CriConfigFragment.builder("p:1").sandboxer(quoted).build().render()
                .contains("address = \"/tmp/a\\\"b\""));
        assertThrows(IllegalArgumentException.class,
                () -> new SandboxerRuntime("a.b", Path.of("/s")));
        assertThrows(IllegalArgumentException.class,
                () -> CriConfigFragment.builder("p:1").sandboxer(STOCKADE).sandboxer(STOCKADE));
        assertThrows(IllegalArgumentException.class, () -> CriConfigFragment.builder("p:1")
                .sandboxer(new SandboxerRuntime("runc", Path.of("/s"))));
        assertThrows(IllegalArgumentException.class, () -> CriConfigFragment.builder(" "));
    }
}
