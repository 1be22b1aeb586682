package io.stockade.ttrpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;

import io.grpc.Metadata;
import io.stockade.ttrpc.wire.KeyValue;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

class WireMetadataTest {
    private static final Metadata.Key<String> TRACE =
            Metadata.Key.of("x-trace", Metadata.ASCII_STRING_MARSHALLER);

    @Test
    void asciiKeysTravelWithEveryValueInOrder() {
        Metadata metadata = new Metadata();
        metadata.put(TtrpcMetadata.NAMESPACE, "k8s.io");
        metadata.put(TRACE, "a");
        metadata.put(TRACE, "b");
        List<KeyValue> wire = WireMetadata.toWire(metadata);
        assertEquals(
                List.of(kv("x-trace", "a"), kv("x-trace", "b")),
                wire.stream().filter(p -> p.getKey().equals("x-trace")).toList());
        assertEquals(
                Set.of(
                        kv("containerd-namespace-ttrpc", "k8s.io"),
                        kv("x-trace", "a"),
                        kv("x-trace", "b")),
                new HashSet<>(wire));
        Metadata back = WireMetadata.fromWire(wire);
        assertEquals("k8s.io", back.get(TtrpcMetadata.NAMESPACE));
        assertEquals(List.of("a", "b"), ImmutableList.copyOf(back.getAll(TRACE)));
    }

    @Test
    void binaryKeysAreLeftOut() {
        Metadata metadata = new Metadata();
        metadata.put(Metadata.Key.of("blob-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {1});
        assertEquals(List.of(), WireMetadata.toWire(metadata));
    }

    @Test
    void keysArriveLowercasedAsGrpcRequires() {
        Metadata back = WireMetadata.fromWire(List.of(kv("Containerd-Namespace-Ttrpc", "default")));
        assertEquals("default", back.get(TtrpcMetadata.NAMESPACE));
    }

    @Test
    void aKeyGrpcCannotHoldIsRejectedByName() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> WireMetadata.fromWire(List.of(kv("bad key", "v"))));
        assertTrue(e.getMessage().contains("'bad key'"), e.getMessage());
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }
}
