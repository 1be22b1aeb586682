package io.stockade.agent.events;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import containerd.types.Event.Envelope;

import io.stockade.proto.TypeUrls;
import io.stockade.proto.agent.v1.SequencedEnvelope;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Numbers events (1, 2, 3, ...) in the order they are published, keeps the last {@code capacity} of
 * them for replay, and delivers each to every subscriber in order. Publication and delivery happen
 * under one lock, so no subscriber sees events out of order or misses one between its replay and
 * its live part.
 */
public final class EventLog {
    private final int capacity;
    private final String namespace;
    private final ArrayDeque<SequencedEnvelope> backlog = new ArrayDeque<>();
    private final List<Consumer<SequencedEnvelope>> subscribers = new CopyOnWriteArrayList<>();
    private long lastSequence;

    /**
     * @param capacity how many recent events are kept for replay
     * @param namespace the containerd namespace written into each envelope
     */
    public EventLog(int capacity, String namespace) {
        if (capacity < 1) {
            throw new IllegalArgumentException(
                    "event backlog capacity must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
        this.namespace = namespace;
    }

    /** Publishes {@code event} under {@code topic} (e.g. "/tasks/exit"); returns it as numbered. */
    public synchronized SequencedEnvelope publish(String topic, Message event) {
        Instant now = Instant.now();
        Envelope envelope =
                Envelope.newBuilder()
                        .setTimestamp(
                                Timestamp.newBuilder()
                                        .setSeconds(now.getEpochSecond())
                                        .setNanos(now.getNano()))
                        .setNamespace(namespace)
                        .setTopic(topic)
                        .setEvent(TypeUrls.pack(event))
                        .build();
        SequencedEnvelope sequenced =
                SequencedEnvelope.newBuilder()
                        .setSequence(++lastSequence)
                        .setEnvelope(envelope)
                        .build();
        backlog.addLast(sequenced);
        if (backlog.size() > capacity) {
            backlog.removeFirst();
        }
        for (Consumer<SequencedEnvelope> subscriber : subscribers) {
            subscriber.accept(sequenced);
        }
        return sequenced;
    }

    /** A live subscription; {@link #close()} stops delivery. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Delivers every held event numbered above {@code afterSequence}, then each new one, to {@code
     * subscriber} (called while the log is locked: it must not block).
     *
     * @throws EventsLostException if events after {@code afterSequence} have already left the
     *     backlog
     */
    public synchronized Subscription subscribe(
            long afterSequence, Consumer<SequencedEnvelope> subscriber) {
        long oldestHeld = backlog.isEmpty() ? lastSequence + 1 : backlog.getFirst().getSequence();
        if (afterSequence + 1 < oldestHeld) {
            throw new EventsLostException(
                    "events "
                            + (afterSequence + 1)
                            + ".."
                            + (oldestHeld - 1)
                            + " are no longer held (backlog keeps the last "
                            + capacity
                            + "; newest is "
                            + lastSequence
                            + ")");
        }
        for (SequencedEnvelope held : backlog) {
            if (held.getSequence() > afterSequence) {
                subscriber.accept(held);
            }
        }
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** The held events, oldest first. */
    public synchronized List<SequencedEnvelope> snapshot() {
        return new ArrayList<>(backlog);
    }

    /** Thrown when a subscriber asks to resume from a position the backlog no longer covers. */
    public static final class EventsLostException extends RuntimeException {
        EventsLostException(String message) {
            super(message);
        }
    }
}
