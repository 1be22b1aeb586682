package io.stockade.agent.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Sending signals to processes by pid. */
public final class Signals {
    /** errno ESRCH: no such process. */
    public static final int ESRCH = 3;

    private Signals() {}

    /**
     * Sends {@code signal} to {@code pid}.
     *
     * @throws ErrnoException naming the pid and signal, e.g. with {@link #ESRCH} when the process
     *     is gone
     */
    public static void kill(int pid, int signal) {
        if (pid <= 0) {
            throw new IllegalArgumentException(
                    "refusing to signal pid " + pid + " (process groups are not targeted)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc = (int) Libc.KILL.invokeExact(errno, pid, signal);
            if (rc != 0) {
                throw new ErrnoException(
                        "kill", "pid " + pid + ", signal " + signal, Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
