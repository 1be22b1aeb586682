package io.stockade.testkit.containerd;

import java.util.List;

/**
 * The outcome of a finished external command (e.g. {@code ctr}), kept whole for assertions and error messages.
 *
 * @param command  the command line that ran
 * @param exitCode its exit status
 * @param stdout   everything it wrote to stdout (UTF-8)
 * @param stderr   everything it wrote to stderr (UTF-8)
 */
public record CommandResult(List<String> command, int exitCode, String stdout, String stderr) {
    public CommandResult {
        command = List.copyOf(command);
    }

    /** Whether the command exited with status 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result if the command succeeded, else throws naming the command, its status and its stderr. */
    public CommandResult orThrow() {
        if (!succeeded()) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exitCode + "; stderr:\n"
                    + stderr + (stdout.isBlank() ? "" : "\nstdout:\n" + stdout));
        }
        return this;
    }
}
