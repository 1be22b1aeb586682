package io.stockade.hypervisor.vhostuser;

/**
 * A vhost-user exchange failed: the backend is gone, timed out, broke the protocol, or rejected a request. The
 * message names the backend's socket and the request.
 */
public final class VhostUserException extends RuntimeException {
    public VhostUserException(String message) {
        super(message);
    }

    public VhostUserException(String message, Throwable cause) {
        super(message, cause);
    }
}
