package io.stockade.hypervisor.vmm;

/** The lifecycle of a VM: CREATED → RUNNING ⇄ PAUSED → STOPPED (STOPPED is final, reachable from any state). */
public enum VmState {
    /** Built, no vCPU has run yet. */
    CREATED,
    /** vCPU threads are executing the guest. */
    RUNNING,
    /** Every vCPU thread is parked outside KVM_RUN. */
    PAUSED,
    /** All vCPU threads have ended and every VM resource is released. */
    STOPPED
}
