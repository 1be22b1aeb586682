package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;

import org.junit.jupiter.api.Test;

class WireStatusTest {
    @Test
    void codeAndMessageRoundTrip() {
        com.google.rpc.Status wire =
                WireStatus.toWire(Status.NOT_FOUND.withDescription("container abc"));
        assertEquals(5, wire.getCode());
        assertEquals("container abc", wire.getMessage());
        Status back = WireStatus.fromWire(wire);
        assertEquals(Status.Code.NOT_FOUND, back.getCode());
        assertEquals("container abc", back.getDescription());
    }

    @Test
    void okIsCodeZeroWithoutMessage() {
        com.google.rpc.Status wire = WireStatus.toWire(Status.OK);
        assertEquals(com.google.rpc.Status.getDefaultInstance(), wire);
        assertNull(WireStatus.fromWire(wire).getDescription());
    }

    @Test
    void unknownCodesBecomeUnknown() {
        Status status = WireStatus.fromWire(com.google.rpc.Status.newBuilder().setCode(99).build());
        assertEquals(Status.Code.UNKNOWN, status.getCode());
    }
}
