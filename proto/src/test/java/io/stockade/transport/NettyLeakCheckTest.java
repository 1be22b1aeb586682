package io.stockade.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The leak check used by every transport and ttrpc test really notices a leaked buffer. */
class NettyLeakCheckTest {
    @Test
    void reportsABufferThatWasNeverReleased() {
        leakOneBuffer();
        List<String> leaks = List.of();
        for (int attempt = 0; attempt < 20 && leaks.isEmpty(); attempt++) {
            leaks = NettyLeakCheck.collectLeaks();
        }
        assertFalse(leaks.isEmpty(), "a dropped, unreleased buffer must be reported");
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        leaked.writeLong(42);
    }
}
