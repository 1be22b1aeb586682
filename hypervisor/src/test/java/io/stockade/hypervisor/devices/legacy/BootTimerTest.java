package io.stockade.hypervisor.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BootTimerTest {

    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final BootTimer timer = new BootTimer(clock::get, 1_000_000_000L);

    @Test
    void recordsTheTimeSinceStartAtTheFirstMagicWrite() {
        timer.write(0, new byte[] {(byte) BootTimer.MAGIC});
        clock.addAndGet(1_000_000_000L);
        timer.write(0, new byte[] {(byte) BootTimer.MAGIC});

        assertEquals(Optional.of(Duration.ofSeconds(4)), timer.bootTime());
    }

    @Test
    void otherValuesAndOffsetsAreIgnored() {
        timer.write(0, new byte[] {122});
        timer.write(1, new byte[] {(byte) BootTimer.MAGIC});
        timer.write(0, new byte[0]);
        assertTrue(timer.bootTime().isEmpty());
    }

    @Test
    void readsReturnZero() {
        byte[] data = {9, 9};
        timer.read(0, data);
        assertEquals(0, data[0] | data[1]);
    }
}
