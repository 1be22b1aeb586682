package io.stockade.sandboxer.controller;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Makes the containerd namespace of a Controller call ({@code containerd-namespace} metadata)
 * available to the service, so a pod's agent stamps its events with the namespace the pod was
 * created in.
 */
final class NamespaceInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> HEADER =
            Metadata.Key.of("containerd-namespace", Metadata.ASCII_STRING_MARSHALLER);

    /** containerd's own default when a client names none. */
    static final String DEFAULT = "default";

    static final Context.Key<String> NAMESPACE =
            Context.keyWithDefault("containerd-namespace", DEFAULT);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String namespace = headers.get(HEADER);
        if (namespace == null || !namespace.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,75}")) {
            namespace = DEFAULT;
        }
        return Contexts.interceptCall(
                Context.current().withValue(NAMESPACE, namespace), call, headers, next);
    }
}
