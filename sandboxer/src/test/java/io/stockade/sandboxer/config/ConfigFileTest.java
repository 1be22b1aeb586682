package io.stockade.sandboxer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

class ConfigFileTest {
    @TempDir Path dir;

    @Test
    void noFileAtTheDefaultPathMeansAllDefaults() {
        SandboxerConfig config = ConfigFile.load(dir.resolve("absent.toml"), false);
        assertEquals(SandboxerConfig.defaults(), config);
        assertEquals(Path.of("/run/stockade"), config.rootDir());
        assertEquals(Path.of("/var/lib/stockade"), config.stateDir());
        assertEquals(Path.of("/run/stockade/sandboxer.sock"), config.listen());
        assertEquals(RuntimeKind.AUTO, config.runtime());
        assertEquals(
                Path.of("/run/containerd/containerd.sock.ttrpc"), config.containerdTtrpcAddress());
        assertEquals("runc", config.agentRuntime());
        assertEquals(Duration.ofSeconds(30), config.agentStartTimeout());
        assertEquals(List.of(), config.agentCommand());
        assertEquals("info", config.logLevel());
    }

    @Test
    void anExplicitFileThatDoesNotExistIsAnError() {
        Path missing = dir.resolve("missing.toml");
        assertEquals(
                "config file " + missing + " does not exist",
                assertThrows(ConfigException.class, () -> ConfigFile.load(missing, true))
                        .getMessage());
    }

    @Test
    void readsEveryKey() throws IOException {
        Path file = dir.resolve("config.toml");
        Files.writeString(
                file,
                """
        root_dir = "/tmp/r"
        state_dir = "/tmp/s"
        listen = "/tmp/r/sb.sock"
        runtime = "process"
        containerd_ttrpc_address = "/tmp/c.ttrpc"
        agent_runtime = "crun"
        agent_start_timeout = "1500ms"
        agent_command = ["/opt/agent", "--flag"]
        log_level = "DEBUG"
        """);
        assertEquals(
                new SandboxerConfig(
                        Path.of("/tmp/r"),
                        Path.of("/tmp/s"),
                        Path.of("/tmp/r/sb.sock"),
                        RuntimeKind.PROCESS,
                        Path.of("/tmp/c.ttrpc"),
                        "crun",
                        Duration.ofMillis(1500),
                        List.of("/opt/agent", "--flag"),
                        "debug"),
                ConfigFile.load(file, true));
    }

    @Test
    void durationsTakeMillisecondsSecondsAndMinutes() {
        assertEquals(
                Duration.ofSeconds(45),
                ConfigFile.parse("agent_start_timeout = \"45s\"", "f").agentStartTimeout());
        assertEquals(
                Duration.ofMinutes(2),
                ConfigFile.parse("agent_start_timeout = \"2m\"", "f").agentStartTimeout());
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        assertError("bogus = 1", "f.toml: unknown key 'bogus'");
        assertError("[section]\nx = 1", "f.toml: unknown key 'section'");
        assertError(
                "runtime = \"kvm\"",
                "f.toml: key 'runtime' must be auto, vm or process, not 'kvm'");
        assertError(
                "root_dir = \"relative/dir\"", "f.toml: key 'root_dir' must be an absolute path");
        assertError(
                "state_dir = \"/var/../etc\"",
                "f.toml: key 'state_dir' must be a plain absolute path");
        assertError("listen = 5", "f.toml: key 'listen' must be a string, not the number 5");
        assertError(
                "agent_start_timeout = \"soon\"",
                "f.toml: key 'agent_start_timeout' must be a duration");
        assertError(
                "agent_start_timeout = \"0s\"",
                "f.toml: key 'agent_start_timeout' must be greater than zero");
        assertError("agent_command = []", "f.toml: key 'agent_command' must name a program");
        assertError(
                "agent_command = [\"a\", 1]",
                "f.toml: key 'agent_command' element 1 must be a non-empty string");
        assertError("agent_runtime = \"\"", "f.toml: key 'agent_runtime' must not be empty");
        assertError("log_level = \"loud\"", "f.toml: key 'log_level' must be one of");
        assertError("root_dir = ", "f.toml: TOML syntax error");
    }

    private static void assertError(String toml, String expectedStart) {
        String message =
                assertThrows(ConfigException.class, () -> ConfigFile.parse(toml, "f.toml"))
                        .getMessage();
        assertTrue(message.startsWith(expectedStart), message);
    }
}
