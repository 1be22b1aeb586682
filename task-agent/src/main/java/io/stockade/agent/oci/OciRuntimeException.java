package io.stockade.agent.oci;

/**
 * An OCI runtime command that could not be run or that failed; the message has the runtime's own
 * error text.
 */
public final class OciRuntimeException extends RuntimeException {
    private final Kind kind;

    /** Why the command failed, as far as the agent can tell. */
    public enum Kind {
        /** The runtime binary is missing or cannot be executed. */
        RUNTIME_UNAVAILABLE,
        /** The runtime says the container does not exist. */
        CONTAINER_NOT_FOUND,
        /** Any other failure. */
        FAILED
    }

    OciRuntimeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    OciRuntimeException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
