package io.stockade.sandboxer.mount;

/** A failed mount or unmount: the call with its arguments, and the errno. */
public final class MountException extends RuntimeException {
    private final int errno;

    MountException(String call, int errno, String description) {
        super(call + " failed: errno " + errno + " (" + description + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
