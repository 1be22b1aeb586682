package io.stockade.agent.task;

import io.grpc.Status;
import io.stockade.agent.stdio.ProcessStdio;
import io.stockade.agent.stdio.StdioTargets;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's containers by id. An id is reserved before the runtime is asked to create the
 * container, so two concurrent creates of one id cannot both reach the runtime.
 */
final class Containers implements StdioTargets {
    private static final Object RESERVED = new Object();
    private final ConcurrentHashMap<String, Object> byId = new ConcurrentHashMap<>();

    /** Claims {@code id}; ALREADY_EXISTS if a container (or a create in progress) has it. */
    void reserve(String id) {
        if (byId.putIfAbsent(id, RESERVED) != null) {
            throw Status.ALREADY_EXISTS
                    .withDescription("task " + id + " already exists")
                    .asRuntimeException();
        }
    }

    /** Gives up a reservation after a failed create. */
    void release(String id) {
        byId.remove(id, RESERVED);
    }

    /** Fills a reservation with the created container. */
    void put(Container container) {
        if (!byId.replace(container.id(), RESERVED, container)) {
            throw new IllegalStateException("task " + container.id() + " was not reserved");
        }
    }

    void remove(Container container) {
        byId.remove(container.id(), container);
    }

    /** The container; NOT_FOUND naming the id. */
    Container get(String id) {
        if (byId.get(id) instanceof Container container) {
            return container;
        }
        throw Status.NOT_FOUND.withDescription("task " + id + " not found").asRuntimeException();
    }

    List<Container> all() {
        return byId.values().stream()
                .filter(Container.class::isInstance)
                .map(Container.class::cast)
                .toList();
    }

    boolean isEmpty() {
        return byId.isEmpty();
    }

    @Override
    public Optional<ProcessStdio> find(String containerId, String execId) {
        if (byId.get(containerId) instanceof Container container) {
            return container.findProcess(execId).map(TaskProcess::stdio);
        }
        return Optional.empty();
    }
}
