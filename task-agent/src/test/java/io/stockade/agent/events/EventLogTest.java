package io.stockade.agent.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import containerd.events.Task.TaskExit;
import containerd.events.Task.TaskStart;

import io.stockade.proto.TypeUrls;
import io.stockade.proto.agent.v1.SequencedEnvelope;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class EventLogTest {

    private static TaskStart start(String id) {
        return TaskStart.newBuilder().setContainerId(id).setPid(1).build();
    }

    private static List<Long> sequences(List<SequencedEnvelope> events) {
        return events.stream().map(SequencedEnvelope::getSequence).toList();
    }

    @Test
    void numbersEventsFromOneAndWrapsThemAsContainerdDoes() throws Exception {
        EventLog log = new EventLog(8, "k8s.io");
        SequencedEnvelope first = log.publish("/tasks/start", start("a"));
        SequencedEnvelope second =
                log.publish("/tasks/exit", TaskExit.newBuilder().setContainerId("a").build());
        assertEquals(1, first.getSequence());
        assertEquals(2, second.getSequence());
        assertEquals("/tasks/exit", second.getEnvelope().getTopic());
        assertEquals("k8s.io", second.getEnvelope().getNamespace());
        assertEquals("containerd.events.TaskExit", second.getEnvelope().getEvent().getTypeUrl());
        assertEquals(
                "a",
                TypeUrls.unpack(first.getEnvelope().getEvent(), TaskStart.class).getContainerId());
        assertTrue(first.getEnvelope().hasTimestamp());
    }

    @Test
    void replaysAfterTheGivenSequenceThenDeliversLiveEventsInOrder() {
        EventLog log = new EventLog(8, "ns");
        for (int i = 0; i < 5; i++) {
            log.publish("/tasks/start", start("c" + i));
        }
        List<SequencedEnvelope> seen = new ArrayList<>();
        EventLog.Subscription subscription = log.subscribe(3, seen::add);
        log.publish("/tasks/start", start("live"));
        assertEquals(List.of(4L, 5L, 6L), sequences(seen));
        subscription.close();
        log.publish("/tasks/start", start("after-close"));
        assertEquals(3, seen.size(), "no delivery after the subscription is closed");
    }

    @Test
    void keepsOnlyTheNewestEventsAndRefusesAResumeIntoTheGap() {
        EventLog log = new EventLog(3, "ns");
        for (int i = 0; i < 10; i++) {
            log.publish("/tasks/start", start("c" + i));
        }
        assertEquals(List.of(8L, 9L, 10L), sequences(log.snapshot()));
        List<SequencedEnvelope> seen = new ArrayList<>();
        log.subscribe(7, seen::add);
        assertEquals(
                List.of(8L, 9L, 10L),
                sequences(seen),
                "resuming right before the oldest held event loses nothing");
        EventLog.EventsLostException lost =
                assertThrows(
                        EventLog.EventsLostException.class, () -> log.subscribe(2, event -> {}));
        assertTrue(lost.getMessage().contains("events 3..7"), lost.getMessage());
    }

    @Test
    void aSubscriberOfAnEmptyLogGetsOnlyNewEvents() {
        EventLog log = new EventLog(4, "ns");
        List<SequencedEnvelope> seen = new ArrayList<>();
        log.subscribe(0, seen::add);
        log.publish("/tasks/start", start("x"));
        assertEquals(List.of(1L), sequences(seen));
    }

    @Test
    void capacityMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new EventLog(0, "ns"));
    }
}
