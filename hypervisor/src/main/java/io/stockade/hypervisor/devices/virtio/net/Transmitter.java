package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.devices.virtio.Descriptor;
import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transmit path: drains the tx queue into the backend. Each chain's device-readable part is one packet (header +
 * frame), gathered into a host buffer with a single copy, checked, given a zero header and sent; every chain goes
 * back to the driver with 0 bytes written whether it was sent or dropped, because a NIC gives no per-frame
 * verdict. Runs on whichever thread notifies the tx queue; never throws because of guest data or backend failures.
 */
final class Transmitter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Transmitter.class);

    private final String device;
    private final NetBackend backend;
    private final TrafficCounters counters;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment packet = arena.allocate(NetHeader.MAX_PACKET_BYTES);

    // Guarded by this.
    private ActiveQueue active;
    private boolean closed;
    private boolean failureReported;

    Transmitter(String device, NetBackend backend, TrafficCounters counters) {
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
    }

    /** After this returns the transmitter no longer touches the queue it was attached to. */
    synchronized void detach() {
        active = null;
    }

    /** Sends everything the driver has made available, then notifies it once. */
    synchronized void drain() {
        ActiveQueue a = active;
        if (a == null) {
            return; // reset raced with the notification
        }
        boolean used = false;
        for (Optional<DescriptorChain> next = a.queue().pop(); next.isPresent(); next = a.queue().pop()) {
            DescriptorChain chain = next.get();
            try {
                transmit(a, chain);
            } catch (RuntimeException e) {
                // The chain was validated, so only guest memory going away (VM teardown) gets here.
                counters.transmitDropped();
                log.warn("{}: cannot read tx chain with head {}: {}", device, chain.headIndex(), e.getMessage());
            }
            a.queue().addUsed(chain.headIndex(), 0);
            used = true;
        }
        if (used) {
            a.notifyDriver();
        }
    }

    private void transmit(ActiveQueue a, DescriptorChain chain) {
        long length = chain.readable().length();
        Optional<String> problem = NetHeader.sizeProblem(length);
        if (problem.isEmpty()) {
            gather(a, chain);
            problem = NetHeader.transmitProblem(packet);
        }
        if (problem.isPresent()) {
            counters.transmitDropped();
            log.debug("{}: dropping tx chain with head {}: {}", device, chain.headIndex(), problem.get());
            return;
        }
        // The driver's unused header fields (hdr_len, gso_size, csum_*) mean nothing without offloads; the kernel
        // must not read them either.
        NetHeader.clear(packet);
        send(chain.headIndex(), packet.asSlice(0, length));
    }

    private void gather(ActiveQueue a, DescriptorChain chain) {
        long offset = 0;
        for (Descriptor d : chain.readable().descriptors()) {
            MemorySegment.copy(a.memory().segment(d.address(), d.length()), 0, packet, offset, d.length());
            offset += d.length();
        }
    }

    private void send(int head, MemorySegment frame) {
        long frameBytes = frame.byteSize() - NetHeader.BYTES;
        boolean taken;
        try {
            taken = backend.send(frame);
        } catch (RuntimeException e) {
            counters.transmitDropped();
            // A TAP that is down refuses every frame; say so once per outage, not once per frame.
            if (!failureReported) {
                failureReported = true;
                log.warn("{}: dropping tx frames, {} fails: {}", device, backend, e.getMessage());
            } else {
                log.debug("{}: dropping tx chain with head {}: {}", device, head, e.getMessage());
            }
            return;
        }
        if (!taken) {
            counters.transmitDropped();
            log.debug("{}: {} is full, dropping tx chain with head {}", device, backend, head);
            return;
        }
        if (failureReported) {
            failureReported = false;
            log.info("{}: {} takes tx frames again", device, backend);
        }
        counters.transmitted(frameBytes);
    }

    /** Frees the packet buffer; the transmitter must be detached and idle. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        active = null;
        arena.close();
    }
}
