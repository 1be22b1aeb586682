package io.stockade.hypervisor.devices.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class VirtioFsConfigTest {

    @Test
    void configSpaceIsNulPaddedTagThenRequestQueueCount() {
        byte[] space = VirtioFsConfig.of("pod-shared", 128).configSpace();
        assertEquals(40, space.length);
        assertArrayEquals("pod-shared".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(space, 10));
        for (int i = 10; i < 36; i++) {
            assertEquals(0, space[i], "padding byte " + i);
        }
        assertEquals(1, ByteBuffer.wrap(space, 36, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void aTagOfExactly36BytesFillsTheFieldWithoutTerminator() {
        String tag = "t".repeat(36);
        byte[] space = VirtioFsConfig.of(tag, 128).configSpace();
        assertEquals(tag, new String(space, 0, 36, StandardCharsets.US_ASCII));
    }

    @Test
    void tagLengthCountsUtf8Bytes() {
        // 18 two-byte characters fit, 19 do not.
        VirtioFsConfig.of("é".repeat(18), 128);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtioFsConfig.of("é".repeat(19), 128));
        assertTrue(e.getMessage().contains("38 bytes"), e.getMessage());
    }

    @Test
    void invalidTagsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("", 128));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of(null, 128));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("a\0b", 128));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("t".repeat(37), 128));
    }

    @Test
    void queueSizeMustBeAPowerOfTwoUpTo32768() {
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("fs", 0));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("fs", 100));
        assertThrows(IllegalArgumentException.class, () -> VirtioFsConfig.of("fs", 65536));
        assertEquals(32768, VirtioFsConfig.of("fs", 32768).queueSize());
    }

    @Test
    void requestQueuesAddToTheHighPriorityQueue() {
        assertEquals(2, VirtioFsConfig.of("fs", 128).totalQueues());
        assertEquals(5, new VirtioFsConfig("fs", 4, 128).totalQueues());
        assertThrows(IllegalArgumentException.class, () -> new VirtioFsConfig("fs", 0, 128));
    }
}
