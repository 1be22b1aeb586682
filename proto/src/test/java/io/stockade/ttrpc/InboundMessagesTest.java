package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

class InboundMessagesTest {
    private final List<String> events = new ArrayList<>();
    private final InboundMessages inbound =
            new InboundMessages(m -> events.add(m.toStringUtf8()), () -> events.add("end"));

    @Test
    void holdsMessagesUntilRequested() {
        inbound.add(ByteString.copyFromUtf8("a"));
        inbound.add(ByteString.copyFromUtf8("b"));
        assertEquals(List.of(), events);
        inbound.request(1);
        assertEquals(List.of("a"), events);
        inbound.request(5);
        assertEquals(List.of("a", "b"), events);
    }

    @Test
    void reportsTheEndOnlyAfterTheLastMessageWasDelivered() {
        inbound.add(ByteString.copyFromUtf8("a"));
        inbound.end();
        assertEquals(List.of(), events);
        inbound.request(1);
        assertEquals(List.of("a", "end"), events);
        inbound.request(1);
        assertEquals(List.of("a", "end"), events);
    }

    @Test
    void discardDropsQueuedMessagesAndTheEnd() {
        inbound.add(ByteString.copyFromUtf8("a"));
        inbound.end();
        inbound.discard();
        inbound.request(10);
        inbound.add(ByteString.copyFromUtf8("b"));
        assertEquals(List.of(), events);
    }

    @Test
    void refusesNegativeRequests() {
        assertThrows(IllegalArgumentException.class, () -> inbound.request(-1));
    }
}
