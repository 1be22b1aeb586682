package io.stockade.agent.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds OCI runtime command lines. Pure, so the exact arguments are tested without a runtime;
 * every command carries the private state root and a JSON log file, which is where runc reports its
 * errors.
 *
 * @param binary absolute path of the runtime executable
 * @param root the runtime's state directory ({@code --root})
 */
record RuntimeArgs(Path binary, Path root) {

    /**
     * {@code consoleSocket}: where the runtime sends the terminal master; null when the process has
     * no terminal.
     */
    List<String> create(Path log, String id, Path bundle, Path pidFile, Path consoleSocket) {
        return consoleSocket == null
                ? command(
                        log,
                        "create",
                        "--bundle",
                        bundle.toString(),
                        "--pid-file",
                        pidFile.toString(),
                        id)
                : command(
                        log,
                        "create",
                        "--bundle",
                        bundle.toString(),
                        "--pid-file",
                        pidFile.toString(),
                        "--console-socket",
                        consoleSocket.toString(),
                        id);
    }

    List<String> start(Path log, String id) {
        return command(log, "start", id);
    }

    List<String> state(Path log, String id) {
        return command(log, "state", id);
    }

    List<String> kill(Path log, String id, int signal, boolean all) {
        return all
                ? command(log, "kill", "--all", id, Integer.toString(signal))
                : command(log, "kill", id, Integer.toString(signal));
    }

    List<String> delete(Path log, String id, boolean force) {
        return force ? command(log, "delete", "--force", id) : command(log, "delete", id);
    }

    List<String> exec(Path log, String id, Path processJson, Path pidFile, Path consoleSocket) {
        return consoleSocket == null
                ? command(
                        log,
                        "exec",
                        "--process",
                        processJson.toString(),
                        "--pid-file",
                        pidFile.toString(),
                        "--detach",
                        id)
                : command(
                        log,
                        "exec",
                        "--process",
                        processJson.toString(),
                        "--pid-file",
                        pidFile.toString(),
                        "--console-socket",
                        consoleSocket.toString(),
                        "--detach",
                        id);
    }

    List<String> ps(Path log, String id) {
        return command(log, "ps", "--format", "json", id);
    }

    List<String> pause(Path log, String id) {
        return command(log, "pause", id);
    }

    List<String> resume(Path log, String id) {
        return command(log, "resume", id);
    }

    /** Reads the LinuxResources JSON from stdin. */
    List<String> update(Path log, String id) {
        return command(log, "update", "--resources", "-", id);
    }

    private List<String> command(Path log, String... subcommand) {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.add("--root");
        argv.add(root.toString());
        argv.add("--log");
        argv.add(log.toString());
        argv.add("--log-format");
        argv.add("json");
        argv.addAll(List.of(subcommand));
        return argv;
    }
}
