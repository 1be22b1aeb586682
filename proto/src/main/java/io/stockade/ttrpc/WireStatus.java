package io.stockade.ttrpc;

import io.grpc.Status;

/**
 * Converts between grpc {@link Status} and the {@code google.rpc.Status} carried in a ttrpc
 * Response.
 */
final class WireStatus {
    private WireStatus() {}

    static com.google.rpc.Status toWire(Status status) {
        com.google.rpc.Status.Builder wire =
                com.google.rpc.Status.newBuilder().setCode(status.getCode().value());
        if (status.getDescription() != null) {
            wire.setMessage(status.getDescription());
        }
        return wire.build();
    }

    /** Unknown codes become UNKNOWN with the original code in the description, as grpc does. */
    static Status fromWire(com.google.rpc.Status wire) {
        Status status = Status.fromCodeValue(wire.getCode());
        return wire.getMessage().isEmpty() ? status : status.withDescription(wire.getMessage());
    }
}
