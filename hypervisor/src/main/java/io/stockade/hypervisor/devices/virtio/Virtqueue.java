package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.memory.GuestMemory;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device side of one split virtqueue (VIRTIO 1.2 §2.7) living in guest memory: takes available descriptor chains
 * from the driver, returns used ones, and decides whether the driver wants an interrupt.
 *
 * <p><b>Hostile drivers.</b> Everything read from the rings is validated before use: head and next indices below the
 * queue size, chains no longer than the queue size (which also catches loops), indirect tables (only when negotiated,
 * a non-zero multiple of 16 bytes, at most queue-size entries, inside RAM, never nested, never combined with NEXT),
 * every buffer inside one guest RAM region (overflow-safe, via {@link GuestMemory#isValid}), readable buffers before
 * writable ones, and an avail index that runs at most queue-size entries ahead. The spec lets a device either reject
 * such a request or enter an error state; this queue does the latter: the first violation marks the queue
 * <em>broken</em> — it never hands out another chain — logs one warning naming device, queue, descriptor index and
 * guest address, and calls the {@code onBroken} hook so the transport can set DEVICE_NEEDS_RESET. Once the driver has
 * corrupted its ring, which requests are still in flight is unknowable, so going on would only spread the damage. No
 * method throws because of guest data.
 *
 * <p><b>Threads.</b> All methods are thread-safe: a device typically pops on the notification thread and completes
 * on an I/O thread. Ring accesses are ordered with fences as §2.7.13 requires (read avail idx before the ring
 * entries, publish used entries before the used idx, a full fence before reading the driver's suppression fields).
 */
public final class Virtqueue {

    private static final Logger log = LoggerFactory.getLogger(Virtqueue.class);

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;

    private final String device;
    private final int index;
    private final GuestMemory memory;
    private final QueueLayout layout;
    private final boolean indirectAllowed;
    private final boolean eventIdx;
    private final Consumer<String> onBroken;

    // Guarded by this. Ring indices are free-running 16-bit counters kept in the low 16 bits.
    private int nextAvail;
    private int nextUsed;
    private boolean signalledValid;
    private int signalledUsed;
    private boolean broken;
    private boolean stopped;

    private Virtqueue(String device, int index, GuestMemory memory, QueueLayout layout, long features,
                      Consumer<String> onBroken) {
        this.device = device;
        this.index = index;
        this.memory = memory;
        this.layout = layout;
        this.indirectAllowed = (features & VirtioFeatures.RING_INDIRECT_DESC) != 0;
        this.eventIdx = (features & VirtioFeatures.RING_EVENT_IDX) != 0;
        this.onBroken = onBroken;
    }

    /**
     * A queue over a driver-supplied layout.
     *
     * @param device names the device in log lines, e.g. {@code "virtio-blk rootfs"}
     * @param features the negotiated feature bits (only the ring bits matter here)
     * @param onBroken told the reason once, when the driver first violates the ring protocol; called without any
     *        lock of this queue held
     * @throws IllegalArgumentException if {@link QueueLayout#problem} finds the layout unusable
     */
    public static Virtqueue create(String device, int index, GuestMemory memory, QueueLayout layout, long features,
                                   Consumer<String> onBroken) {
        Objects.requireNonNull(onBroken, "onBroken");
        Optional<String> problem = layout.problem(memory, QueueLayout.MAX_SIZE);
        if (problem.isPresent()) {
            throw new IllegalArgumentException(device + " queue " + index + ": " + problem.get());
        }
        return new Virtqueue(device, index, memory, layout, features, onBroken);
    }

    public int index() {
        return index;
    }

    /** Where the driver placed this queue; devices served by another process (vhost-user) hand it over. */
    public QueueLayout layout() {
        return layout;
    }

    public int size() {
        return layout.size();
    }

    /** Whether the driver violated the ring protocol; a broken queue stays broken until the device is reset. */
    public synchronized boolean isBroken() {
        return broken;
    }

    /**
     * Takes the next available chain, or empty if the driver has made none available, the queue is broken or it has
     * been stopped. With {@code VIRTIO_F_RING_EVENT_IDX} it also publishes avail_event, so the driver notifies again
     * as soon as it adds anything after what was taken.
     */
    public Optional<DescriptorChain> pop() {
        String problem;
        synchronized (this) {
            if (broken || stopped) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(popLocked());
            } catch (RingViolation v) {
                problem = v.getMessage();
            } catch (RuntimeException e) {
                // Only reachable if guest memory went away under us (VM teardown); never let it reach a vCPU thread.
                problem = "guest memory became inaccessible: " + e.getMessage();
            }
            broken = true;
        }
        log.warn("{} queue {}: {}; the queue is broken until the driver resets the device", device, index, problem);
        onBroken.accept(problem);
        return Optional.empty();
    }

    /**
     * Returns a chain to the driver: writes {@code {headIndex, bytesWritten}} into the used ring, then the new used
     * idx. Ignored once the queue is stopped (the driver has reset the device and may reuse the memory).
     *
     * @param bytesWritten how many bytes the device wrote into the chain's writable buffers
     * @throws IllegalArgumentException if {@code headIndex} is not a descriptor index of this queue (a device bug)
     */
    public synchronized void addUsed(int headIndex, long bytesWritten) {
        if (headIndex < 0 || headIndex >= layout.size() || bytesWritten < 0 || bytesWritten > 0xffff_ffffL) {
            throw new IllegalArgumentException(String.format("%s queue %d: used element {id %d, len %d} is invalid",
                    device, index, headIndex, bytesWritten));
        }
        if (stopped) {
            return;
        }
        try {
            long element = layout.usedRing() + 4 + (long) QueueLayout.USED_ELEMENT_BYTES * (nextUsed % layout.size());
            memory.writeInt(element, headIndex);
            memory.writeInt(element + 4, (int) bytesWritten);
            nextUsed = (nextUsed + 1) & 0xffff;
            VarHandle.releaseFence(); // the element must be visible before the index that publishes it
            memory.writeShort(layout.usedRing() + 2, (short) nextUsed);
        } catch (RuntimeException e) {
            log.warn("{} queue {}: cannot write used element for head {}: {}", device, index, headIndex,
                    e.getMessage());
        }
    }

    /**
     * Whether the driver wants a used-buffer notification for what was added since the last time this returned,
     * honouring avail.flags NO_INTERRUPT or, with event indices, used_event (§2.7.10).
     */
    public synchronized boolean needsNotification() {
        if (stopped) {
            return false;
        }
        try {
            VarHandle.fullFence(); // our used idx store must be visible before we read the driver's suppression field
            if (!eventIdx) {
                return (memory.readShort(layout.availRing()) & AVAIL_F_NO_INTERRUPT) == 0;
            }
            int usedEvent = memory.readShort(layout.availRing() + 4 + 2L * layout.size()) & 0xffff;
            boolean notify = !signalledValid || needEvent(usedEvent, nextUsed, signalledUsed);
            signalledValid = true;
            signalledUsed = nextUsed;
            return notify;
        } catch (RuntimeException e) {
            log.warn("{} queue {}: cannot read the driver's notification suppression: {}", device, index,
                    e.getMessage());
            return false;
        }
    }

    /**
     * Stops the queue for good: afterwards {@link #pop()} finds nothing and {@link #addUsed} is ignored. The
     * transport calls this when the driver resets the device, before the memory may be reused.
     */
    public synchronized void stop() {
        stopped = true;
    }

    /** vring_need_event(): did new_idx move past event_idx since old_idx, in 16-bit arithmetic. */
    static boolean needEvent(int eventIdx, int newIdx, int oldIdx) {
        return ((newIdx - eventIdx - 1) & 0xffff) < ((newIdx - oldIdx) & 0xffff);
    }

    private DescriptorChain popLocked() throws RingViolation {
        int size = layout.size();
        int availIdx = memory.readShort(layout.availRing() + 2) & 0xffff;
        VarHandle.acquireFence(); // ring entries are read only after the idx that published them
        int pending = (availIdx - nextAvail) & 0xffff;
        if (pending == 0) {
            return null;
        }
        if (pending > size) {
            throw new RingViolation(String.format("avail idx %d is %d entries ahead of the device's %d, more than the"
                    + " queue size %d (avail ring at 0x%x)", availIdx, pending, nextAvail, size, layout.availRing()));
        }
        long slot = layout.availRing() + 4 + 2L * (nextAvail % size);
        int head = memory.readShort(slot) & 0xffff;
        if (head >= size) {
            throw new RingViolation(String.format("avail ring entry %d at 0x%x names head descriptor %d, outside the"
                    + " queue of size %d", nextAvail % size, slot, head, size));
        }
        DescriptorChain chain = walk(head);
        nextAvail = (nextAvail + 1) & 0xffff;
        if (eventIdx) {
            memory.writeShort(layout.usedRing() + 4 + (long) QueueLayout.USED_ELEMENT_BYTES * size,
                    (short) nextAvail);
            VarHandle.fullFence(); // avail_event must be visible before we next read avail idx
        }
        return chain;
    }

    private DescriptorChain walk(int head) throws RingViolation {
        List<Descriptor> readable = new ArrayList<>();
        List<Descriptor> writable = new ArrayList<>();
        long table = layout.descriptorTable();
        int tableSize = layout.size();
        boolean indirect = false;
        int visited = 0;
        int i = head;
        while (true) {
            if (++visited > tableSize) {
                throw new RingViolation(String.format("chain from head %d is longer than its %s of %d descriptors"
                        + " (a loop?) at descriptor %d of the table at 0x%x", head,
                        indirect ? "indirect table" : "queue", tableSize, i, table));
            }
            long at = table + (long) QueueLayout.DESCRIPTOR_BYTES * i;
            long address = memory.readLong(at);
            long length = memory.readInt(at + 8) & 0xffff_ffffL;
            int flags = memory.readShort(at + 12) & 0xffff;
            int next = memory.readShort(at + 14) & 0xffff;
            String where = String.format("descriptor %d (%s at 0x%x, chain head %d)", i,
                    indirect ? "in the indirect table" : "in the queue", at, head);

            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirectAllowed) {
                    throw new RingViolation(where + " is indirect but VIRTIO_F_RING_INDIRECT_DESC was not negotiated");
                }
                if (indirect) {
                    throw new RingViolation(where + " is an indirect descriptor inside an indirect table");
                }
                if ((flags & DESC_F_NEXT) != 0) {
                    throw new RingViolation(where + " sets both INDIRECT and NEXT");
                }
                if (length == 0 || length % QueueLayout.DESCRIPTOR_BYTES != 0
                        || length / QueueLayout.DESCRIPTOR_BYTES > layout.size()) {
                    throw new RingViolation(String.format("%s points at an indirect table of %d bytes; it must be a"
                            + " non-zero multiple of 16 holding at most %d descriptors", where, length, layout.size()));
                }
                if (!memory.isValid(address, length)) {
                    throw new RingViolation(String.format("%s points at an indirect table [0x%x, +0x%x) outside guest"
                            + " RAM", where, address, length));
                }
                indirect = true;
                table = address;
                tableSize = (int) (length / QueueLayout.DESCRIPTOR_BYTES);
                visited = 0;
                i = 0;
                continue;
            }

            if (!memory.isValid(address, length)) {
                throw new RingViolation(String.format("%s describes a buffer [0x%x, +0x%x) outside guest RAM", where,
                        address, length));
            }
            boolean write = (flags & DESC_F_WRITE) != 0;
            if (!write && !writable.isEmpty()) {
                throw new RingViolation(where + " is device-readable but follows a device-writable descriptor");
            }
            (write ? writable : readable).add(new Descriptor(address, length, write));

            if ((flags & DESC_F_NEXT) == 0) {
                return new DescriptorChain(head, new GuestBuffers(readable), new GuestBuffers(writable));
            }
            if (next >= tableSize) {
                throw new RingViolation(String.format("%s has next index %d outside its %s of %d descriptors", where,
                        next, indirect ? "indirect table" : "queue", tableSize));
            }
            i = next;
        }
    }

    @Override
    public String toString() {
        return device + " queue " + index + " " + layout;
    }
}
