package io.stockade.sandboxer.runtime;

import java.time.Instant;

/**
 * How a pod's runtime ended.
 *
 * @param status the exit status (128 + signal when killed; 255 when unknown, e.g. for a runtime
 *     found again after a sandboxer restart, whose status only its real parent could read)
 * @param exitedAt when the end was seen
 */
public record PodExit(int status, Instant exitedAt) {
    /** Status reported when the real one cannot be known. */
    public static final int UNKNOWN_STATUS = 255;
}
