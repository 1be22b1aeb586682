package io.stockade.ttrpc;

import io.grpc.Metadata;

/** Well-known ttrpc metadata keys, as grpc {@link Metadata.Key}s. */
public final class TtrpcMetadata {
    /**
     * The containerd namespace of a call ({@code containerd-namespace-ttrpc}, e.g. {@code k8s.io}).
     */
    public static final Metadata.Key<String> NAMESPACE =
            Metadata.Key.of("containerd-namespace-ttrpc", Metadata.ASCII_STRING_MARSHALLER);

    private TtrpcMetadata() {}
}
