package io.stockade.agent.oci;

/**
 * A bundle or process spec the agent cannot use; the message names the file or field and the
 * problem.
 */
public final class InvalidSpecException extends RuntimeException {
    public InvalidSpecException(String message) {
        super(message);
    }
}
