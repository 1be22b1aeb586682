package io.stockade.agent.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

class RuntimeArgsTest {
    private final RuntimeArgs args =
            new RuntimeArgs(Path.of("/usr/sbin/runc"), Path.of("/run/agent/root"));
    private final Path log = Path.of("/run/agent/calls/call-1.log");
    private final List<String> prefix =
            List.of(
                    "/usr/sbin/runc",
                    "--root",
                    "/run/agent/root",
                    "--log",
                    log.toString(),
                    "--log-format",
                    "json");

    private List<String> with(String... subcommand) {
        return java.util.stream.Stream.concat(
                        prefix.stream(), java.util.stream.Stream.of(subcommand))
                .toList();
    }

    @Test
    void createPassesBundleAndPidFile() {
        assertEquals(
                with("create", "--bundle", "/b", "--pid-file", "/s/init.pid", "c1"),
                args.create(log, "c1", Path.of("/b"), Path.of("/s/init.pid"), null));
    }

    @Test
    void aTerminalProcessNamesTheConsoleSocket() {
        assertEquals(
                with(
                        "create",
                        "--bundle",
                        "/b",
                        "--pid-file",
                        "/s/init.pid",
                        "--console-socket",
                        "/s/c.sock",
                        "c1"),
                args.create(
                        log, "c1", Path.of("/b"), Path.of("/s/init.pid"), Path.of("/s/c.sock")));
        assertEquals(
                with(
                        "exec",
                        "--process",
                        "/s/e.json",
                        "--pid-file",
                        "/s/e.pid",
                        "--console-socket",
                        "/s/c.sock",
                        "--detach",
                        "c1"),
                args.exec(
                        log,
                        "c1",
                        Path.of("/s/e.json"),
                        Path.of("/s/e.pid"),
                        Path.of("/s/c.sock")));
    }

    @Test
    void execDetachesWithAProcessFile() {
        assertEquals(
                with(
                        "exec",
                        "--process",
                        "/s/exec-e1.json",
                        "--pid-file",
                        "/s/e1.pid",
                        "--detach",
                        "c1"),
                args.exec(log, "c1", Path.of("/s/exec-e1.json"), Path.of("/s/e1.pid"), null));
    }

    @Test
    void killSendsTheSignalNumberOptionallyToAll() {
        assertEquals(with("kill", "c1", "15"), args.kill(log, "c1", 15, false));
        assertEquals(with("kill", "--all", "c1", "9"), args.kill(log, "c1", 9, true));
    }

    @Test
    void otherCommands() {
        assertEquals(with("start", "c1"), args.start(log, "c1"));
        assertEquals(with("delete", "--force", "c1"), args.delete(log, "c1", true));
        assertEquals(with("delete", "c1"), args.delete(log, "c1", false));
        assertEquals(with("state", "c1"), args.state(log, "c1"));
        assertEquals(with("ps", "--format", "json", "c1"), args.ps(log, "c1"));
        assertEquals(with("pause", "c1"), args.pause(log, "c1"));
        assertEquals(with("resume", "c1"), args.resume(log, "c1"));
        assertEquals(with("update", "--resources", "-", "c1"), args.update(log, "c1"));
    }
}
