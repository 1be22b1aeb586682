package io.stockade.testkit.cri;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.testkit.containerd.CommandResult;
import io.stockade.testkit.containerd.ContainerdFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

/** containerd 2.1 loads the rendered config: CRI comes up and the sandboxer proxy plugin registers. */
@Tag("host")
class CriConfigFragmentHostTest {

    @Test
    void containerdLoadsCriAndTheSandboxerProxy(@TempDir Path dir) throws Exception {
        Path cniBin = Files.createDirectories(dir.resolve("cni-bin"));
        Path cniConf = Files.createDirectories(dir.resolve("cni-conf"));
        String fragment = CriConfigFragment.builder("docker.io/stockade/pause:e2e")
                .sandboxer(new SandboxerRuntime("stockade", dir.resolve("sandboxer.sock")))
                .cni(cniBin, cniConf)
                .build()
                .render();
        try (ContainerdFixture containerd = ContainerdFixture.builder().withTomlFragment(fragment).start()) {
            CommandResult plugins = containerd.ctr("plugins", "ls").orThrow();
            assertTrue(plugins.stdout().lines().anyMatch(line -> line.contains("io.containerd.grpc.v1")
                    && line.contains("cri") && line.strip().endsWith("ok")), plugins.stdout());
            assertTrue(plugins.stdout().lines().anyMatch(line -> line.contains("io.containerd.sandbox.controller.v1")
                    && line.contains("stockade") && line.strip().endsWith("ok")), plugins.stdout());
        }
    }
}
