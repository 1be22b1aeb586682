package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Terminal controls on a pseudo-terminal master. */
public final class Terminal {
    private static final long TIOCSWINSZ = 0x5414;

    private Terminal() {}

    /**
     * Sets the window size ({@code ioctl(TIOCSWINSZ)}); the foreground process group gets SIGWINCH.
     *
     * @throws IllegalArgumentException when a dimension does not fit 16 bits
     * @throws ErrnoException naming the descriptor, e.g. ENOTTY when it is not a terminal
     */
    public static void resize(Fd master, int columns, int rows) {
        if (columns < 0 || columns > 0xffff || rows < 0 || rows > 0xffff) {
            throw new IllegalArgumentException(
                    "terminal size " + columns + "x" + rows + " does not fit 16 bits");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment size = arena.allocate(8, 2);
            size.set(JAVA_SHORT, 0, (short) rows);
            size.set(JAVA_SHORT, 2, (short) columns);
            int rc = (int) Libc.IOCTL_PTR.invokeExact(errno, master.value(), TIOCSWINSZ, size);
            if (rc != 0) {
                throw new ErrnoException("ioctl(TIOCSWINSZ)", master.toString(), Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
