package io.stockade.hypervisor.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class ByteRingTest {

    private static MemorySegment bytes(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return MemorySegment.ofArray(b);
    }

    private static byte[] drain(ByteRing ring) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!ring.isEmpty()) {
            MemorySegment oldest = ring.oldest();
            out.writeBytes(oldest.toArray(ValueLayout.JAVA_BYTE));
            ring.consume(oldest.byteSize());
        }
        return out.toByteArray();
    }

    @Test
    void keepsBytesInOrderAcrossTheWrap() {
        try (ByteRing ring = new ByteRing(10)) {
            ring.append(bytes(0, 7));
            ring.consume(5);
            ring.append(bytes(7, 8)); // wraps: 2 old + 8 new fill the ring exactly
            assertEquals(10, ring.size());
            assertEquals(5, ring.oldest().byteSize(), "contiguous up to the end of the memory");

            assertArrayEquals(bytes(5, 10).toArray(ValueLayout.JAVA_BYTE), drain(ring));
            assertTrue(ring.isEmpty());
        }
    }

    @Test
    void refusesToOverflowOrOverConsume() {
        try (ByteRing ring = new ByteRing(4)) {
            ring.append(bytes(0, 3));
            assertThrows(IllegalStateException.class, () -> ring.append(bytes(0, 2)));
            assertThrows(IllegalArgumentException.class, () -> ring.consume(4));
            assertEquals(3, ring.size(), "a refused append changes nothing");
        }
    }
}
