package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kick mechanism's signal handling, without KVM: an ignored, blocked real-time signal sent to one thread stays
 * pending there (the JVM survives it) until drained.
 */
class SignalsTest {
    // Not the vCPU kick signal (SIGRTMIN+5), so this test cannot interfere with a Vcpu in the same JVM.
    private static final int OFFSET = 7;

    @Test
    void aBlockedSignalSentToThisThreadStaysPendingUntilConsumed() throws Exception {
        // Masks are per thread: use a thread of our own so the test runner's thread is left as it was.
        onFreshThread(() -> {
            int signal = Signals.realtimeSignal(OFFSET);
            Signals.ignore(signal);
            Signals.block(signal);
            assertTrue((Signals.blockedSignals() & 1L << (signal - 1)) != 0, "blocked");
            assertFalse(Signals.consumePending(signal), "nothing pending yet");

            Signals.sendToThread(Signals.currentThread(), signal);
            assertTrue(Signals.consumePending(signal), "the signal was pending");
            assertFalse(Signals.consumePending(signal), "and is gone once consumed");

            Signals.unblock(signal);
            assertEquals(0, Signals.blockedSignals() & 1L << (signal - 1));
        });
    }

    @Test
    void anIgnoredSignalThatIsNotBlockedIsDiscarded() throws Exception {
        onFreshThread(() -> {
            int signal = Signals.realtimeSignal(OFFSET);
            Signals.ignore(signal);
            Signals.sendToThread(Signals.currentThread(), signal);
            Signals.block(signal);
            try {
                assertFalse(Signals.consumePending(signal));
            } finally {
                Signals.unblock(signal);
            }
        });
    }

    @Test
    void realtimeSignalsStayInTheRealtimeRange() {
        int min = Signals.realtimeSignal(0);
        assertTrue(min >= 32 && min <= 64, "SIGRTMIN=" + min);
        assertEquals(min + 5, Signals.realtimeSignal(5));
        assertThrows(IllegalArgumentException.class, () -> Signals.realtimeSignal(64));
        assertThrows(IllegalArgumentException.class, () -> Signals.realtimeSignal(-1));
    }

    @Test
    void signalNumbersAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> Signals.block(0));
        assertThrows(IllegalArgumentException.class, () -> Signals.sendToThread(Signals.currentThread(), 65));
    }

    private static void onFreshThread(Runnable body) throws InterruptedException, TimeoutException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("signals-test").start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new AssertionError(e.getCause());
        }
    }
}
