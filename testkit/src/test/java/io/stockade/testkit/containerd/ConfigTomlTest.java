package io.stockade.testkit.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class ConfigTomlTest {
    private final ContainerdDirs dirs = new ContainerdDirs(Path.of("/tmp/stockade-ctrd-1"));

    @Test
    void pointsEveryAddressAndDirectoryIntoTheFixtureDirectory() {
        String toml = ConfigToml.render(dirs, true, List.of());

        assertTrue(toml.contains("version = 3\n"), toml);
        assertTrue(toml.contains("root = \"/tmp/stockade-ctrd-1/root\"\n"), toml);
        assertTrue(toml.contains("state = \"/tmp/stockade-ctrd-1/state\"\n"), toml);
        assertTrue(toml.contains("[grpc]\n  address = \"/tmp/stockade-ctrd-1/s/containerd.sock\"\n"), toml);
        assertTrue(toml.contains("[ttrpc]\n  address = \"/tmp/stockade-ctrd-1/s/containerd.sock.ttrpc\"\n"), toml);
        assertTrue(toml.contains("[debug]\n  address = \"/tmp/stockade-ctrd-1/s/debug.sock\"\n"), toml);
        assertTrue(toml.contains("path = \"/tmp/stockade-ctrd-1/opt\"\n"), toml);
    }

    @Test
    void alwaysDisablesNriButKeepsCriWhenAskedTo() {
        String toml = ConfigToml.render(dirs, true, List.of());

        assertTrue(toml.contains("disabled_plugins = [\"io.containerd.nri.v1.nri\"]\n"), toml);
        assertFalse(toml.contains("io.containerd.grpc.v1.cri"), toml);
    }

    @Test
    void withoutCriDisablesTheCriPlugins() {
        String toml = ConfigToml.render(dirs, false, List.of());

        for (String plugin : ConfigToml.CRI_PLUGINS) {
            assertTrue(toml.contains("\"" + plugin + "\""), plugin + " missing in\n" + toml);
        }
    }

    @Test
    void appendsFragmentsAfterTheFixturesOwnKeys() {
        String fragment = "[proxy_plugins.stockade]\n  type = \"sandbox\"\n  address = \"/run/x.sock\"";

        String toml = ConfigToml.render(dirs, false, List.of(fragment));

        assertTrue(toml.endsWith("\n" + fragment + "\n"), toml);
    }

    @Test
    void quotesTomlSpecialCharacters() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", ConfigToml.quote("a\"b\\c\nd\u0001"));
    }
}
