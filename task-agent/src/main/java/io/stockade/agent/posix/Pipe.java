package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A pipe made with {@code pipe2(O_CLOEXEC)}: both ends close on exec, so a child only gets an end
 * that was placed on one of its standard descriptors explicitly.
 *
 * @param readEnd the end bytes come out of
 * @param writeEnd the end bytes go into
 */
public record Pipe(Fd readEnd, Fd writeEnd) {

    /** Opens a pipe; {@code name} describes it in errors, e.g. "stdout of c1". */
    public static Pipe open(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int rc = (int) Libc.PIPE2.invokeExact(errno, fds, Libc.O_CLOEXEC);
            if (rc != 0) {
                throw new ErrnoException("pipe2", name, Libc.errno(errno));
            }
            return new Pipe(
                    new Fd(fds.getAtIndex(JAVA_INT, 0), name + " (read end)"),
                    new Fd(fds.getAtIndex(JAVA_INT, 1), name + " (write end)"));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
