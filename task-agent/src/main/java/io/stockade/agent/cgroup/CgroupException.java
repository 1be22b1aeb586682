package io.stockade.agent.cgroup;

/**
 * A cgroup file that is missing, unreadable or not in the format the kernel documents; the message
 * names it.
 */
public final class CgroupException extends RuntimeException {
    CgroupException(String message) {
        super(message);
    }

    CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
