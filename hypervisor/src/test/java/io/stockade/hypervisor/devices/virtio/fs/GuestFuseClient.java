package io.stockade.hypervisor.devices.virtio.fs;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The guest's FUSE client, reduced to what a test needs: builds FUSE requests (fuse_in_header + body) in guest memory,
 * queues them with a reply buffer on a virtio-fs request queue, kicks the device, waits for the used-buffer
 * interrupt and decodes the reply (fuse_out_header + body) the backend wrote into guest memory.
 */
final class GuestFuseClient {
    static final int FUSE_LOOKUP = 1;
    static final int FUSE_GETATTR = 3;
    static final int FUSE_OPEN = 14;
    static final int FUSE_READ = 15;
    static final int FUSE_RELEASE = 18;
    static final int FUSE_INIT = 26;
    static final long ROOT_NODE = 1;
    static final int IN_HEADER_BYTES = 40;
    static final int OUT_HEADER_BYTES = 16;

    /** A decoded reply: the FUSE error (0 or a negative errno) and the body after fuse_out_header. */
    record Reply(int error, ByteBuffer body) {
    }

    private final GuestMemory memory;
    private final MockDriverQueue queue;
    private final VirtioFs device;
    private final int queueIndex;
    private final Semaphore interrupts;
    private final long buffers;
    private long unique = 1;

    GuestFuseClient(GuestMemory memory, MockDriverQueue queue, VirtioFs device, int queueIndex, Semaphore interrupts,
                    long buffers) {
        this.memory = memory;
        this.queue = queue;
        this.device = device;
        this.queueIndex = queueIndex;
        this.interrupts = interrupts;
        this.buffers = buffers;
    }

    static ByteBuffer body(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    Reply init() {
        // fuse_init_in as before protocol 7.36: major, minor, max_readahead, flags (no FUSE_INIT_EXT).
        return call(FUSE_INIT, 0, body(16).putInt(7).putInt(31).putInt(0x20000).putInt(0).array(), 256);
    }

    Reply lookup(long parent, String name) {
        byte[] bytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        return call(FUSE_LOOKUP, parent, bytes, 256);
    }

    Reply getattr(long node) {
        return call(FUSE_GETATTR, node, body(16).array(), 256);
    }

    Reply open(long node) {
        return call(FUSE_OPEN, node, body(8).putInt(0 /* O_RDONLY */).putInt(0).array(), 64);
    }

    Reply read(long node, long fh, int size) {
        byte[] in = body(40).putLong(fh).putLong(0).putInt(size).putInt(0).putLong(0).putInt(0).putInt(0).array();
        return call(FUSE_READ, node, in, OUT_HEADER_BYTES + size);
    }

    /** Sends one request and waits for its reply; fails the test if none comes within 30 s. */
    Reply call(int opcode, long node, byte[] body, int replyCapacity) {
        long id = unique++;
        byte[] request = ByteBuffer.allocate(IN_HEADER_BYTES + body.length).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(IN_HEADER_BYTES + body.length).putInt(opcode).putLong(id).putLong(node)
                .putInt(0).putInt(0).putInt(1).putShort((short) 0).putShort((short) 0).put(body).array();
        long requestAt = buffers;
        long replyAt = buffers + 0x1000;
        memory.write(requestAt, request);
        memory.write(replyAt, new byte[replyCapacity]);
        int usedBefore = queue.usedIdx();
        queue.addChain(readable(requestAt, request.length), writable(replyAt, replyCapacity));
        device.queueNotify(queueIndex);
        awaitUsed(usedBefore + 1, opcode);
        MockDriverQueue.Used used = queue.used(usedBefore);
        byte[] reply = new byte[used.length()];
        memory.read(replyAt, reply, 0, reply.length);
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(reply.length, b.getInt(), "fuse_out_header.len of opcode " + opcode);
        int error = b.getInt();
        assertEquals(id, b.getLong(), "fuse_out_header.unique of opcode " + opcode);
        return new Reply(error, b.slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Waits until the used idx reaches {@code expected} and the device has raised at least one interrupt. */
    private void awaitUsed(int expected, int opcode) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        boolean interrupted = false;
        while (!interrupted || queue.usedIdx() != (expected & 0xffff)) {
            if (System.nanoTime() > deadline) {
                fail("FUSE opcode " + opcode + ": used idx " + queue.usedIdx() + ", expected " + (expected & 0xffff)
                        + ", interrupt " + (interrupted ? "" : "not ") + "seen within 30 s");
            }
            try {
                interrupted |= interrupts.tryAcquire(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }
}
