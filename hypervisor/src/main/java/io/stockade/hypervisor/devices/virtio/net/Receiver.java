package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.devices.virtio.Descriptor;
import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive path: moves packets from the backend into the guest's rx buffers, one packet per descriptor chain
 * (no MRG_RXBUF). A chain is taken from the rx queue <em>before</em> the backend is read, so nothing is read while
 * the guest has no buffer for it — that is the back-pressure: the host side queues and eventually drops, never the
 * device. The chain is held until a packet that fits arrives; a packet that does not fit it, or is malformed, is
 * dropped and the chain waits for the next one. Chains too small for any frame go straight back with 0 bytes.
 *
 * <p>{@link #pump} is called by the device's receive thread; {@link #attach}/{@link #detach} by vCPU threads. The
 * lock makes a detach wait for a running pump, after which the old queue is never touched again.
 */
final class Receiver implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Receiver.class);

    /** Why {@link #pump} stopped, which tells the receive thread what to wait for next. */
    enum Outcome {
        /** Not attached to an active queue: wait for activation. */
        INACTIVE,
        /** Holding a guest buffer, the backend is empty: wait for the backend. */
        WAITING_FOR_PACKETS,
        /** No guest buffer: leave the backend alone until the driver notifies the rx queue. */
        WAITING_FOR_BUFFERS,
        /** Did its share of work; call again. */
        BUDGET_SPENT,
        /** The backend failed; receiving has stopped for good. */
        BACKEND_FAILED
    }

    private final String device;
    private final NetBackend backend;
    private final TrafficCounters counters;
    private final Arena arena = Arena.ofShared();
    // One byte more than the largest legal packet, so an oversized one is recognisable.
    private final MemorySegment packet = arena.allocate(NetHeader.MAX_PACKET_BYTES + 1L);

    // Guarded by this.
    private ActiveQueue active;
    private boolean closed;
    private DescriptorChain held;
    private boolean backendFailed;

    Receiver(String device, NetBackend backend, TrafficCounters counters) {
        this.device = device;
        this.backend = backend;
        this.counters = counters;
    }

    /** Starts serving {@code queue}; ignored once closed, so a late activation cannot use the freed buffer. */
    synchronized void attach(ActiveQueue queue) {
        if (closed) {
            return;
        }
        active = queue;
        held = null;
    }

    /** After this returns the receiver no longer touches the queue it was attached to; a held chain is forgotten. */
    synchronized void detach() {
        active = null;
        held = null;
    }

    /** The backend reported an error condition by other means than a failing call (e.g. EPOLLERR). */
    synchronized void backendFailed(String reason) {
        if (!backendFailed) {
            backendFailed = true;
            log.error("{}: receiving stopped, {} failed: {}", device, backend, reason);
        }
    }

    /**
     * Delivers packets until the backend or the guest's buffers run out, or {@code budget} chains have been
     * returned; notifies the driver once at the end if any were.
     */
    synchronized Outcome pump(int budget) {
        ActiveQueue a = active;
        if (a == null) {
            return Outcome.INACTIVE;
        }
        if (backendFailed) {
            return Outcome.BACKEND_FAILED;
        }
        int returned = 0;
        try {
            while (true) {
                if (returned >= budget) {
                    return Outcome.BUDGET_SPENT;
                }
                DescriptorChain chain = held;
                if (chain == null) {
                    Optional<DescriptorChain> next = a.queue().pop();
                    if (next.isEmpty()) {
                        return Outcome.WAITING_FOR_BUFFERS;
                    }
                    chain = next.get();
                    if (chain.writable().length() < NetHeader.MIN_PACKET_BYTES) {
                        log.debug("{}: returning rx chain with head {} unused: its {} writable bytes cannot hold any"
                                + " packet", device, chain.headIndex(), chain.writable().length());
                        a.queue().addUsed(chain.headIndex(), 0);
                        returned++;
                        continue;
                    }
                    held = chain;
                }
                long length;
                try {
                    length = backend.receive(packet);
                } catch (RuntimeException e) {
                    backendFailed(e.getMessage());
                    return Outcome.BACKEND_FAILED;
                }
                if (length == NetBackend.NO_PACKET) {
                    return Outcome.WAITING_FOR_PACKETS;
                }
                if (deliver(a, chain, length)) {
                    held = null;
                    returned++;
                }
            }
        } finally {
            if (returned > 0) {
                a.notifyDriver();
            }
        }
    }

    /** Copies the packet into the chain and returns the chain; false if the packet was dropped instead. */
    private boolean deliver(ActiveQueue a, DescriptorChain chain, long length) {
        Optional<String> problem = NetHeader.sizeProblem(length);
        if (problem.isEmpty()) {
            problem = NetHeader.receiveProblem(packet);
        }
        if (problem.isEmpty() && length > chain.writable().length()) {
            problem = Optional.of(String.format("packet of %d bytes does not fit the %d bytes of rx chain with head"
                    + " %d", length, chain.writable().length(), chain.headIndex()));
        }
        if (problem.isPresent()) {
            counters.receiveDropped();
            log.debug("{}: dropping a packet from {}: {}", device, backend, problem.get());
            return false;
        }
        NetHeader.writeForGuest(packet);
        try {
            scatter(a, chain, length);
        } catch (RuntimeException e) {
            // The chain was validated, so only guest memory going away (VM teardown) gets here.
            counters.receiveDropped();
            log.warn("{}: cannot write into rx chain with head {}: {}", device, chain.headIndex(), e.getMessage());
            a.queue().addUsed(chain.headIndex(), 0);
            return true;
        }
        a.queue().addUsed(chain.headIndex(), length);
        counters.received(length - NetHeader.BYTES);
        return true;
    }

    private void scatter(ActiveQueue a, DescriptorChain chain, long length) {
        long offset = 0;
        for (Descriptor d : chain.writable().descriptors()) {
            if (offset == length) {
                break;
            }
            long n = Math.min(d.length(), length - offset);
            MemorySegment.copy(packet, offset, a.memory().segment(d.address(), n), 0, n);
            offset += n;
        }
    }

    /** Frees the packet buffer; the receiver must be detached and idle. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        active = null;
        held = null;
        arena.close();
    }
}
