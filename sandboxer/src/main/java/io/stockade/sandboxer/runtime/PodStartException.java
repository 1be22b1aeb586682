package io.stockade.sandboxer.runtime;

/**
 * A pod that could not be started; the message names the pod and the cause (timeout, exit status,
 * log).
 */
public final class PodStartException extends RuntimeException {
    private final boolean timedOut;

    public PodStartException(String message, boolean timedOut, Throwable cause) {
        super(message, cause);
        this.timedOut = timedOut;
    }

    /** Whether the agent never answered in time (as opposed to failing outright). */
    public boolean timedOut() {
        return timedOut;
    }
}
