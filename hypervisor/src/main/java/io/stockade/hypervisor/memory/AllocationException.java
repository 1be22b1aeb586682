package io.stockade.hypervisor.memory;

/** A VM resource (an MMIO range, an interrupt line) could not be handed out: exhausted, or a bad request. */
public final class AllocationException extends RuntimeException {
    public AllocationException(String message) {
        super(message);
    }
}
