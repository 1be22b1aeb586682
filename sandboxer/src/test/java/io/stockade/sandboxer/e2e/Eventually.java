package io.stockade.sandboxer.e2e;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Bounded polling for things that become true asynchronously (a log line written, a status changing). The bound
 * only turns a hang into a failure that says what was awaited and what was last seen; it is not a timing claim.
 */
final class Eventually {
    static final Duration DEFAULT_BOUND = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);

    private Eventually() {
    }

    /** Waits until {@code condition} holds; on time-out throws naming {@code what} and the last {@code observed}. */
    static void until(String what, Duration bound, Supplier<Boolean> condition, Supplier<String> observed) {
        Instant deadline = Instant.now().plus(bound);
        while (!condition.get()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + bound + ": " + what + "; last seen: " + observed.get());
            }
            pause(POLL);
        }
    }

    static void until(String what, Supplier<Boolean> condition, Supplier<String> observed) {
        until(what, DEFAULT_BOUND, condition, observed);
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
