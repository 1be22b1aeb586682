package io.stockade.transport;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Fails a test when Netty's leak detector (PARANOID in our surefire configuration) reports a
 * ByteBuf that was garbage-collected without being released. Netty only reports a leak when it
 * tracks a later allocation, so after each test this nudges the GC and allocates a few buffers
 * before looking.
 */
public final class NettyLeakCheck implements BeforeEachCallback, AfterEachCallback {
    /**
     * Held strongly: java.util.logging keeps loggers weakly, and the handler must outlive every
     * test.
     */
    private static final Logger LEAK_LOGGER =
            Logger.getLogger("io.netty.util.ResourceLeakDetector");

    private static final List<String> REPORTS = new CopyOnWriteArrayList<>();

    static {
        LEAK_LOGGER.addHandler(
                new Handler() {
                    @Override
                    public void publish(LogRecord record) {
                        String message = record.getMessage();
                        if (message != null && message.contains("LEAK")) {
                            REPORTS.add(message);
                        }
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                });
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        collectLeaks();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            fail(
                    "Netty reported "
                            + leaks.size()
                            + " leaked buffer(s) during "
                            + context.getDisplayName()
                            + ":\n"
                            + String.join("\n\n", leaks));
        }
    }

    /**
     * Runs GC, provokes Netty's leak reporting and returns (and forgets) what it reported since the
     * last call.
     */
    public static List<String> collectLeaks() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            ByteBufAllocator.DEFAULT.buffer(8).release();
            PooledByteBufAllocator.DEFAULT.directBuffer(8).release();
            Unpooled.buffer(8).release();
            Unpooled.directBuffer(8).release();
        }
        List<String> found = new ArrayList<>(REPORTS);
        REPORTS.removeAll(found);
        return found;
    }
}
