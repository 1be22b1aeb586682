package io.stockade.hypervisor.events;

/** Something scheduled on an {@link EventLoop} that can be called off. */
@FunctionalInterface
public interface Cancellable {

    /** Calls it off; idempotent. Work already running on the loop thread finishes. */
    void cancel();
}
