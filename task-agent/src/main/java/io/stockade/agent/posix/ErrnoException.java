package io.stockade.agent.posix;

/** A failed system call: which call, on what, and the errno it set. */
public final class ErrnoException extends RuntimeException {
    /** errno EIO: e.g. reading a terminal master whose other side every process has closed. */
    public static final int EIO = 5;

    private final int errno;

    ErrnoException(String call, String context, int errno) {
        super(
                call
                        + "("
                        + context
                        + ") failed: errno "
                        + errno
                        + " ("
                        + Libc.strerror(errno)
                        + ")");
        this.errno = errno;
    }

    /** The errno value the call set, e.g. 3 (ESRCH). */
    public int errno() {
        return errno;
    }
}
