package io.stockade.sandboxer.events;

import containerd.services.events.ttrpc.v1.EventsGrpc;
import containerd.services.events.ttrpc.v1.EventsOuterClass.ForwardRequest;
import containerd.types.Event.Envelope;

import io.stockade.ttrpc.TtrpcChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forwards event envelopes to containerd's ttrpc {@code Events.Forward}, in order, from one sender
 * thread. The connection is made lazily and remade after a failure; each envelope is tried {@link
 * #ATTEMPTS} times with exponential backoff, then dropped with a log line, so a containerd that is
 * down never blocks a pod.
 */
public final class ContainerdPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerdPublisher.class);
    static final int ATTEMPTS = 6;
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private final SocketAddress address;
    private final BlockingQueue<Envelope> queue;
    private final Thread sender;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile boolean closed;
    private TtrpcChannel channel;

    /**
     * @param address containerd's ttrpc socket
     * @param capacity how many envelopes may wait; more are dropped
     */
    public ContainerdPublisher(SocketAddress address, int capacity) {
        this.address = address;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = Thread.ofPlatform().daemon().name("events-to-containerd").start(this::run);
    }

    /** Queues {@code envelope}; returns false (and logs) if the queue is full. */
    public boolean publish(Envelope envelope) {
        if (closed || !queue.offer(envelope)) {
            dropped.incrementAndGet();
            log.warn(
                    "dropping event {} in namespace {}: the queue to containerd ({}) is full",
                    envelope.getTopic(),
                    envelope.getNamespace(),
                    address);
            return false;
        }
        return true;
    }

    /** Envelopes containerd accepted so far. */
    public long forwarded() {
        return forwarded.get();
    }

    /** Envelopes dropped so far (queue full or retries used up). */
    public long dropped() {
        return dropped.get();
    }

    private void run() {
        while (!closed) {
            Envelope envelope;
            try {
                envelope = queue.take();
            } catch (InterruptedException e) {
                break;
            }
            send(envelope);
        }
        closeChannel();
    }

    private void send(Envelope envelope) {
        Duration backoff = FIRST_BACKOFF;
        for (int attempt = 1; attempt <= ATTEMPTS && !closed; attempt++) {
            try {
                if (channel == null || !channel.isOpen()) {
                    closeChannel();
                    channel = TtrpcChannel.connect(address);
                }
                EventsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .forward(ForwardRequest.newBuilder().setEnvelope(envelope).build());
                forwarded.incrementAndGet();
                return;
            } catch (RuntimeException e) {
                closeChannel();
                if (attempt == ATTEMPTS) {
                    dropped.incrementAndGet();
                    log.warn(
                            "dropping event {} in namespace {} after {} attempts to forward it to containerd at {}: {}",
                            envelope.getTopic(),
                            envelope.getNamespace(),
                            ATTEMPTS,
                            address,
                            e.getMessage());
                    return;
                }
                log.debug(
                        "forwarding {} to {} failed (attempt {}): {}",
                        envelope.getTopic(),
                        address,
                        attempt,
                        e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff =
                        backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0
                                ? MAX_BACKOFF
                                : backoff.multipliedBy(2);
            }
        }
    }

    private void closeChannel() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
    }

    @Override
    public void close() {
        closed = true;
        sender.interrupt();
        try {
            sender.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
