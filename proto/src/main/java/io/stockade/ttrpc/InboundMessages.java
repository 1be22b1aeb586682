package io.stockade.ttrpc;

import com.google.protobuf.ByteString;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Consumer;

/**
 * grpc's inbound flow control for one call: messages wait until the application asked for them with
 * {@code request(n)}, and the end of the stream is reported only after every queued message was
 * delivered. Not thread-safe: a call confines it to its serializing executor, which is also where
 * the callbacks run.
 */
final class InboundMessages {
    private final Queue<ByteString> queued = new ArrayDeque<>();
    private final Consumer<ByteString> deliver;
    private final Runnable atEnd;
    private int demand;
    private boolean ended;
    private boolean finished;

    /**
     * @param deliver receives each message once it was requested
     * @param atEnd runs once, after the last message, when the sender has finished
     */
    InboundMessages(Consumer<ByteString> deliver, Runnable atEnd) {
        this.deliver = deliver;
        this.atEnd = atEnd;
    }

    void add(ByteString message) {
        if (!ended && !finished) {
            queued.add(message);
            drain();
        }
    }

    void request(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("cannot request " + count + " messages");
        }
        demand = (int) Math.min(Integer.MAX_VALUE, (long) demand + count);
        drain();
    }

    /** The sender will send nothing more. */
    void end() {
        ended = true;
        drain();
    }

    /** Drops queued messages and delivers nothing more (the call was cancelled or failed). */
    void discard() {
        finished = true;
        queued.clear();
    }

    boolean isFinished() {
        return finished;
    }

    private void drain() {
        while (!finished && demand > 0 && !queued.isEmpty()) {
            demand--;
            deliver.accept(queued.remove());
        }
        if (!finished && ended && queued.isEmpty()) {
            finished = true;
            atEnd.run();
        }
    }
}
