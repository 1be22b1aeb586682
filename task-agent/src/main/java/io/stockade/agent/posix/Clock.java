package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Instant;

/** Setting the system's wall clock. */
public final class Clock {
    private static final int CLOCK_REALTIME = 0;

    private Clock() {}

    /**
     * Sets CLOCK_REALTIME to {@code now} (needs CAP_SYS_TIME).
     *
     * @throws ErrnoException naming the time, e.g. EPERM
     */
    public static void setRealtime(Instant now) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment timespec = arena.allocate(16, 8);
            timespec.set(JAVA_LONG, 0, now.getEpochSecond());
            timespec.set(JAVA_LONG, 8, now.getNano());
            int rc = (int) Libc.CLOCK_SETTIME.invokeExact(errno, CLOCK_REALTIME, timespec);
            if (rc != 0) {
                throw new ErrnoException(
                        "clock_settime", "CLOCK_REALTIME to " + now, Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
