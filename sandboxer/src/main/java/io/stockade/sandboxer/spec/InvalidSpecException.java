package io.stockade.sandboxer.spec;

/**
 * A container's config.json the sandboxer cannot run; the message names the file and the problem.
 */
public final class InvalidSpecException extends IllegalArgumentException {
    public InvalidSpecException(String message) {
        super(message);
    }
}
