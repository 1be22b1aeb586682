package io.stockade.ttrpc;

import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The methods a server dispatches to, by ttrpc service and method name (the grpc full method name).
 */
final class ServiceRegistry {
    private final Set<String> services;
    private final Map<String, ServerMethodDefinition<?, ?>> methods;

    ServiceRegistry(List<ServerServiceDefinition> definitions) {
        services =
                definitions.stream()
                        .map(d -> d.getServiceDescriptor().getName())
                        .collect(Collectors.toUnmodifiableSet());
        if (services.size() != definitions.size()) {
            throw new IllegalArgumentException(
                    "a service was added twice: "
                            + definitions.stream()
                                    .map(d -> d.getServiceDescriptor().getName())
                                    .toList());
        }
        methods =
                definitions.stream()
                        .flatMap(d -> d.getMethods().stream())
                        .collect(
                                Collectors.toUnmodifiableMap(
                                        m -> m.getMethodDescriptor().getFullMethodName(),
                                        Function.identity()));
    }

    /** The method a ttrpc Request names, or null. */
    ServerMethodDefinition<?, ?> find(String service, String method) {
        return methods.get(service + "/" + method);
    }

    /**
     * The UNIMPLEMENTED status for a Request {@link #find} found nothing for, saying whether the
     * service is known.
     */
    Status unimplemented(String service, String method) {
        return services.contains(service)
                ? Status.UNIMPLEMENTED.withDescription("method " + service + "/" + method)
                : Status.UNIMPLEMENTED.withDescription("service " + service);
    }
}
