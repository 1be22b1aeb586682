package io.stockade.ttrpc;

import io.grpc.Metadata;
import io.stockade.ttrpc.wire.KeyValue;

import java.util.ArrayList;
import java.util.List;

/**
 * Converts between grpc {@link Metadata} and ttrpc's {@code repeated KeyValue}. ttrpc values are
 * strings, so only ASCII grpc keys travel; binary ({@code -bin}) keys are left out.
 */
final class WireMetadata {
    private WireMetadata() {}

    static List<KeyValue> toWire(Metadata metadata) {
        List<KeyValue> wire = new ArrayList<>();
        for (String key : metadata.keys()) {
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                continue;
            }
            Iterable<String> values =
                    metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
            if (values != null) {
                for (String value : values) {
                    wire.add(KeyValue.newBuilder().setKey(key).setValue(value).build());
                }
            }
        }
        return wire;
    }

    /**
     * IllegalArgumentException naming the key when a peer sent one grpc cannot represent as an
     * ASCII header.
     */
    static Metadata fromWire(List<KeyValue> wire) {
        Metadata metadata = new Metadata();
        for (KeyValue pair : wire) {
            Metadata.Key<String> key;
            try {
                key = Metadata.Key.of(pair.getKey(), Metadata.ASCII_STRING_MARSHALLER);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "metadata key '"
                                + pair.getKey()
                                + "' is not a valid ASCII header name: "
                                + e.getMessage(),
                        e);
            }
            metadata.put(key, pair.getValue());
        }
        return metadata;
    }
}
