package io.stockade.ttrpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Puts the call's containerd namespace header into the handler's Context, as a real service's
 * interceptor would.
 */
final class TtrpcMetadataCapture implements ServerInterceptor {
    static final Context.Key<String> NAMESPACE = Context.key("namespace");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return Contexts.interceptCall(
                Context.current().withValue(NAMESPACE, headers.get(TtrpcMetadata.NAMESPACE)),
                call,
                headers,
                next);
    }
}
