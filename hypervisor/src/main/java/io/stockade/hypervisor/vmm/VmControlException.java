package io.stockade.hypervisor.vmm;

/**
 * A lifecycle request that could not be carried out: wrong state (pause a stopped VM) or vCPUs that did
 * not answer a kick within the bounded wait. The message names the request, the state and the vCPUs.
 */
public final class VmControlException extends RuntimeException {

    private final boolean timedOut;

    public VmControlException(String message) {
        this(message, false);
    }

    public VmControlException(String message, boolean timedOut) {
        super(message);
        this.timedOut = timedOut;
    }

    /** Whether vCPUs did not answer in time (as opposed to a request the VM's state does not allow). */
    public boolean timedOut() {
        return timedOut;
    }
}
