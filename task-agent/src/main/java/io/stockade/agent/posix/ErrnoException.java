package io.stockade.agent.posix;

/** A failed system call: which call, on what, and the errno it set. */
public final class ErrnoException extends RuntimeException {
  private final int errno;

  ErrnoException(String call, String context, int errno) {
    super(call + "(" + context + ") failed: errno " + errno + " (" + Libc.strerror(errno) + ")");
    this.errno = errno;
  }

  /** The errno value the call set, e.g. 3 (ESRCH). */
  public int errno() {
    return errno;
  }
}
