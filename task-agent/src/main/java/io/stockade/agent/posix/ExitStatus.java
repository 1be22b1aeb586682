package io.stockade.agent.posix;

import java.time.Instant;

/**
 * How a process ended, in containerd's terms: the exit code, or 128 plus the signal number when a
 * signal killed it.
 *
 * @param code exit code, or 128 + signal
 * @param exitedAt when the agent reaped the process
 */
public record ExitStatus(int code, Instant exitedAt) {

    /** Decodes a {@code waitpid} status word. */
    static ExitStatus fromWaitStatus(int status, Instant exitedAt) {
        int termSignal = status & 0x7f;
        if (termSignal == 0) {
            return new ExitStatus((status >> 8) & 0xff, exitedAt);
        }
        return new ExitStatus(128 + termSignal, exitedAt);
    }
}
