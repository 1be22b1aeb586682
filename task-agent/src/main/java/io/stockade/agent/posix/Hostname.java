package io.stockade.agent.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** Setting the kernel's host name (of the current UTS namespace). */
public final class Hostname {
    private Hostname() {}

    /**
     * {@code sethostname(2)}.
     *
     * @throws ErrnoException naming the name, e.g. EINVAL when it is longer than 64 bytes
     */
    public static void set(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            int rc =
                    (int)
                            Libc.SETHOSTNAME.invokeExact(
                                    errno, arena.allocateFrom(name), (long) bytes.length);
            if (rc != 0) {
                throw new ErrnoException("sethostname", name, Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }
}
