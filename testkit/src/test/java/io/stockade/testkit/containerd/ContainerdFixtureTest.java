package io.stockade.testkit.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

@Tag("host")
class ContainerdFixtureTest {

    @Test
    void startsAPrivateContainerdThatCtrCanTalkTo() {
        Path base;
        try (ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().start()) {
            base = containerd.dirs().base();
            assertTrue(Files.exists(containerd.grpcSocket()));
            assertTrue(Files.exists(containerd.ttrpcSocket()));

            CommandResult version = containerd.ctr("version").orThrow();
            assertTrue(version.stdout().contains("Server:"), version.stdout());
            assertTrue(version.stdout().contains("2.1."), version.stdout());

            CommandResult plugins = containerd.ctr("plugins", "ls").orThrow();
            assertFalse(plugins.stdout().contains("io.containerd.grpc.v1.cri"), plugins.stdout());
        }
        assertFalse(Files.exists(base), base + " should be removed on close");
    }

    @Test
    void loadsExtraTomlFragments() {
        String proxy = "[proxy_plugins.stockade-test]\n  type = \"sandbox\"\n  address = \"/tmp/stockade-none.sock\"";
        try (ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().withTomlFragment(proxy).start()) {
            CommandResult plugins = containerd.ctr("plugins", "ls").orThrow();
            assertTrue(plugins.stdout().lines().anyMatch(l -> l.contains("stockade-test") && l.contains("ok")),
                    plugins.stdout());
        }
    }

    @Test
    void aContainerdThatCannotStartIsReportedWithItsLog() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ContainerdFixture.builder()
                .withoutCri()
                .withTomlFragment("this is not toml")
                .withStartTimeout(Duration.ofSeconds(30))
                .start());
        assertTrue(e.getMessage().contains("exited with status"), e.getMessage());
        assertTrue(e.getMessage().contains("last log lines"), e.getMessage());
    }

    @Test
    void closeIsIdempotent() {
        ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().start();
        containerd.close();
        containerd.close();
        assertEquals(false, Files.exists(containerd.dirs().base()));
    }
}
