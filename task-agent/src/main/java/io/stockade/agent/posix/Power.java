package io.stockade.agent.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Flushing file systems and switching the machine off: the last thing PID 1 does. */
public final class Power {
    private static final int RB_POWER_OFF = 0x4321fedc;

    private Power() {}

    /** {@code sync(2)}: writes every dirty buffer out. */
    public static void sync() {
        try {
            Libc.SYNC.invokeExact();
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * {@code reboot(RB_POWER_OFF)}; does not return when it works (PID 1 with CAP_SYS_BOOT).
     *
     * @throws ErrnoException e.g. EPERM when not allowed
     */
    public static void powerOff() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc = (int) Libc.REBOOT.invokeExact(errno, RB_POWER_OFF);
            throw new ErrnoException("reboot", "RB_POWER_OFF", rc != 0 ? Libc.errno(errno) : 0);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
