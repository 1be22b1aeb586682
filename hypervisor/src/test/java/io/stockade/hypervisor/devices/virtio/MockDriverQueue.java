package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver side of a split virtqueue, for tests: lays out a descriptor table, avail ring and used ring in guest
 * memory exactly as a guest driver would, adds direct and indirect chains, publishes avail indices (also bogus ones)
 * and reads back what the device put in the used ring. Mirrors rust-vmm's {@code MockSplitQueue}.
 */
public final class MockDriverQueue {

    /** One buffer of a chain, as the driver describes it. */
    public record Buffer(long address, int length, boolean writable) {
        public static Buffer readable(long address, int length) {
            return new Buffer(address, length, false);
        }

        public static Buffer writable(long address, int length) {
            return new Buffer(address, length, true);
        }
    }

    /** One entry of the used ring. */
    public record Used(int id, int length) {
    }

    public static final int NEXT = Virtqueue.DESC_F_NEXT;
    public static final int WRITE = Virtqueue.DESC_F_WRITE;
    public static final int INDIRECT = Virtqueue.DESC_F_INDIRECT;

    private final GuestMemory memory;
    private final QueueLayout layout;
    private int nextFreeDescriptor;
    private int availIdx;

    /** A queue of {@code size} entries whose three areas are laid out back to back from {@code base}. */
    public MockDriverQueue(GuestMemory memory, long base, int size) {
        this.memory = memory;
        long avail = base + 16L * size;
        long used = (avail + 6 + 2L * size + 3) & ~3L;
        this.layout = new QueueLayout(size, base, avail, used);
        memory.write(base, new byte[(int) (used + layout.usedRingBytes() - base)]);
    }

    public QueueLayout layout() {
        return layout;
    }

    /** First guest address after the rings: where tests can put data buffers. */
    public long end() {
        return layout.usedRing() + layout.usedRingBytes();
    }

    /** Writes descriptors for {@code buffers} (chained with NEXT) and makes the chain available; returns its head. */
    public int addChain(Buffer... buffers) {
        int head = writeChain(buffers);
        makeAvailable(head);
        return head;
    }

    /**
     * Writes {@code buffers} as an indirect table at {@code table} and makes available one queue descriptor pointing
     * at it; returns the head.
     */
    public int addIndirectChain(long table, Buffer... buffers) {
        for (int i = 0; i < buffers.length; i++) {
            Buffer b = buffers[i];
            int flags = (b.writable ? WRITE : 0) | (i + 1 < buffers.length ? NEXT : 0);
            writeDescriptorAt(table + 16L * i, b.address, b.length, flags, i + 1);
        }
        int head = allocateDescriptor();
        writeDescriptor(head, table, 16 * buffers.length, INDIRECT, 0);
        makeAvailable(head);
        return head;
    }

    /** Writes the chain's descriptors without making it available. */
    public int writeChain(Buffer... buffers) {
        int[] indices = new int[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            indices[i] = allocateDescriptor();
        }
        for (int i = 0; i < buffers.length; i++) {
            Buffer b = buffers[i];
            boolean last = i + 1 == buffers.length;
            writeDescriptor(indices[i], b.address, b.length, (b.writable ? WRITE : 0) | (last ? 0 : NEXT),
                    last ? 0 : indices[i + 1]);
        }
        return indices[0];
    }

    /** Writes raw descriptor {@code index} of the queue's table. */
    public void writeDescriptor(int index, long address, int length, int flags, int next) {
        writeDescriptorAt(layout.descriptorTable() + 16L * index, address, length, flags, next);
    }

    /** Writes a raw descriptor anywhere, e.g. into an indirect table. */
    public void writeDescriptorAt(long at, long address, int length, int flags, int next) {
        memory.writeLong(at, address);
        memory.writeInt(at + 8, length);
        memory.writeShort(at + 12, (short) flags);
        memory.writeShort(at + 14, (short) next);
    }

    /** Puts {@code head} into the next avail ring slot and publishes it. */
    public void makeAvailable(int head) {
        memory.writeShort(layout.availRing() + 4 + 2L * (availIdx % layout.size()), (short) head);
        setAvailIdx(availIdx + 1);
    }

    /** Publishes an arbitrary avail idx (hostile drivers do). */
    public void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        memory.writeShort(layout.availRing() + 2, (short) availIdx);
    }

    public void setAvailFlags(int flags) {
        memory.writeShort(layout.availRing(), (short) flags);
    }

    public void setUsedEvent(int idx) {
        memory.writeShort(layout.availRing() + 4 + 2L * layout.size(), (short) idx);
    }

    public int availEvent() {
        return memory.readShort(layout.usedRing() + 4 + 8L * layout.size()) & 0xffff;
    }

    public int usedIdx() {
        return memory.readShort(layout.usedRing() + 2) & 0xffff;
    }

    /** The used element the device wrote for used idx {@code i} (taken modulo the queue size). */
    public Used used(int i) {
        long at = layout.usedRing() + 4 + 8L * (i % layout.size());
        return new Used(memory.readInt(at), memory.readInt(at + 4));
    }

    /** All used elements from used idx 0 up to the current used idx (which must not have wrapped the ring). */
    public List<Used> allUsed() {
        List<Used> out = new ArrayList<>();
        for (int i = 0; i < usedIdx(); i++) {
            out.add(used(i));
        }
        return out;
    }

    private int allocateDescriptor() {
        int index = nextFreeDescriptor;
        nextFreeDescriptor = (nextFreeDescriptor + 1) % layout.size();
        return index;
    }
}
