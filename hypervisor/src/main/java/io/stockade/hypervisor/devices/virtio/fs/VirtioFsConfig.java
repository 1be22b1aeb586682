package io.stockade.hypervisor.devices.virtio.fs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What a virtio-fs device shows the guest: the mount tag ({@code mount -t virtiofs <tag> /mnt}), the number of
 * request queues (besides the high-priority queue) and the size of every queue.
 */
public record VirtioFsConfig(String tag, int requestQueues, int queueSize) {
    /** The tag field of the configuration space is 36 bytes, NUL-padded; a tag of exactly 36 has no terminator. */
    public static final int TAG_BYTES = 36;
    static final int CONFIG_SPACE_BYTES = TAG_BYTES + 4;
    static final int MAX_QUEUE_SIZE = 32768;

    public VirtioFsConfig {
        if (tag == null || tag.isEmpty()) {
            throw new IllegalArgumentException("virtio-fs tag must not be empty");
        }
        int bytes = tag.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > TAG_BYTES) {
            throw new IllegalArgumentException("virtio-fs tag '" + tag + "' is " + bytes + " bytes of UTF-8; at most "
                    + TAG_BYTES + " fit in the configuration space");
        }
        if (tag.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("virtio-fs tag '" + tag.replace('\0', '?') + "' contains a NUL");
        }
        if (requestQueues < 1 || requestQueues > 254) {
            throw new IllegalArgumentException("virtio-fs needs 1..254 request queues, got " + requestQueues);
        }
        if (queueSize <= 0 || Integer.bitCount(queueSize) != 1 || queueSize > MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("virtio-fs queue size " + queueSize + " is not a power of two in [1, "
                    + MAX_QUEUE_SIZE + "]");
        }
    }

    /** One request queue of {@code queueSize} entries. */
    public static VirtioFsConfig of(String tag, int queueSize) {
        return new VirtioFsConfig(tag, 1, queueSize);
    }

    /** High-priority queue plus request queues. */
    public int totalQueues() {
        return 1 + requestQueues;
    }

    /** {@code struct virtio_fs_config}: {@code u8 tag[36]; le32 num_request_queues;}. */
    byte[] configSpace() {
        ByteBuffer b = ByteBuffer.allocate(CONFIG_SPACE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(tag.getBytes(StandardCharsets.UTF_8));
        b.position(TAG_BYTES);
        b.putInt(requestQueues);
        return b.array();
    }
}
