package io.stockade.hypervisor.sys;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The Linux x86-64 errno values the VMM meets, with their symbolic names for error messages. */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EINTR(4), EIO(5), ENXIO(6), E2BIG(7), ENOEXEC(8), EBADF(9), ECHILD(10),
    EAGAIN(11), ENOMEM(12), EACCES(13), EFAULT(14), EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20),
    EISDIR(21), EINVAL(22), ENFILE(23), EMFILE(24), ENOTTY(25), EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30),
    EMLINK(31), EPIPE(32), ERANGE(34), EDEADLK(35), ENAMETOOLONG(36), ENOSYS(38), ELOOP(40), ENODATA(61),
    EOVERFLOW(75), EOPNOTSUPP(95), EADDRINUSE(98), ENETDOWN(100), ECONNRESET(104), ENOBUFS(105), ETIMEDOUT(110),
    ECONNREFUSED(111), EHOSTUNREACH(113), EALREADY(114), EINPROGRESS(115), ENOMEDIUM(123), ECANCELED(125);

    private static final Map<Integer, Errno> BY_NUMBER = new HashMap<>();

    static {
        for (Errno e : values()) {
            BY_NUMBER.put(e.number, e);
        }
    }

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The numeric value, as found in {@code errno}. */
    public int number() {
        return number;
    }

    /** The enum constant for a number, if the table knows it. */
    public static Optional<Errno> of(int number) {
        return Optional.ofNullable(BY_NUMBER.get(number));
    }

    /** The symbolic name ("EBADF"), or "errno 4711" for numbers the table does not know. */
    public static String nameOf(int number) {
        Errno e = BY_NUMBER.get(number);
        return e != null ? e.name() : "errno " + number;
    }
}
