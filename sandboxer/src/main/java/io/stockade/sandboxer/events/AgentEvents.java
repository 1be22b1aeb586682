package io.stockade.sandboxer.events;

import containerd.types.Event.Envelope;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.EventsRequest;
import io.stockade.proto.agent.v1.SequencedEnvelope;
import io.stockade.ttrpc.TtrpcChannel;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One pod's subscription to its agent's Events stream. The last sequence number handed on is kept
 * in a small file in the pod's directory so a restarted sandboxer resumes after it instead of
 * replaying or losing events. A broken stream is resubscribed (after the last sequence) while the
 * agent connection is up.
 */
public final class AgentEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentEvents.class);
    private static final long RESUBSCRIBE_MILLIS = 500;

    private final String sandboxId;
    private final TtrpcChannel agent;
    private final Consumer<Envelope> sink;
    private final Path sequenceFile;
    private final ScheduledExecutorService retries;
    private volatile long lastSequence;
    private volatile boolean closed;
    private volatile Context.CancellableContext current;

    private AgentEvents(
            String sandboxId, TtrpcChannel agent, Consumer<Envelope> sink, Path sequenceFile) {
        this.sandboxId = sandboxId;
        this.agent = agent;
        this.sink = sink;
        this.sequenceFile = sequenceFile;
        this.lastSequence = readSequence(sequenceFile);
        this.retries =
                Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().daemon().name("events-" + sandboxId).factory());
    }

    /**
     * Subscribes after the sequence stored in {@code sequenceFile} (0 when absent) and hands
     * envelopes on.
     */
    public static AgentEvents subscribe(
            String sandboxId, TtrpcChannel agent, Consumer<Envelope> sink, Path sequenceFile) {
        AgentEvents events = new AgentEvents(sandboxId, agent, sink, sequenceFile);
        events.subscribe();
        return events;
    }

    /** The last sequence number handed on. */
    public long lastSequence() {
        return lastSequence;
    }

    private void subscribe() {
        if (closed) {
            return;
        }
        Context.CancellableContext context = Context.current().withCancellation();
        current = context;
        long after = lastSequence;
        context.run(
                () ->
                        AgentGrpc.newStub(agent)
                                .events(
                                        EventsRequest.newBuilder().setAfterSequence(after).build(),
                                        new StreamObserver<>() {
                                            @Override
                                            public void onNext(SequencedEnvelope event) {
                                                if (event.getSequence() <= lastSequence) {
                                                    return;
                                                }
                                                lastSequence = event.getSequence();
                                                sink.accept(event.getEnvelope());
                                                writeSequence(event.getSequence());
                                            }

                                            @Override
                                            public void onError(Throwable t) {
                                                if (closed) {
                                                    return;
                                                }
                                                Status status = Status.fromThrowable(t);
                                                if (status.getCode() == Status.Code.OUT_OF_RANGE) {
                                                    log.warn(
                                                            "sandbox {}: agent events after {} are lost ({}); resuming with what the agent holds",
                                                            sandboxId,
                                                            lastSequence,
                                                            status.getDescription());
                                                    lastSequence = 0;
                                                }
                                                retryLater(status);
                                            }

                                            @Override
                                            public void onCompleted() {
                                                retryLater(Status.OK);
                                            }
                                        }));
    }

    private void retryLater(Status status) {
        if (closed || !agent.isOpen()) {
            log.debug("sandbox {}: agent event stream ended ({})", sandboxId, status);
            return;
        }
        log.info(
                "sandbox {}: agent event stream broke ({}); resubscribing after {}",
                sandboxId,
                status,
                lastSequence);
        try {
            retries.schedule((Runnable) this::subscribe, RESUBSCRIBE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    private void writeSequence(long sequence) {
        Path temp = sequenceFile.resolveSibling(sequenceFile.getFileName() + ".tmp");
        try {
            Files.writeString(temp, Long.toString(sequence));
            Files.move(
                    temp,
                    sequenceFile,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            log.warn(
                    "sandbox {}: cannot record event sequence {} in {}: {}",
                    sandboxId,
                    sequence,
                    sequenceFile,
                    e.toString());
        }
    }

    private static long readSequence(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        closed = true;
        Context.CancellableContext context = current;
        if (context != null) {
            context.cancel(null);
        }
        retries.shutdownNow();
    }
}
