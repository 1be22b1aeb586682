package io.stockade.hypervisor.vmm;

/**
 * How a VM ended: the status and a human-readable detail (which vCPU, which exit, which device).
 */
public record VmExit(ExitStatus status, String message) {

    public VmExit {
        if (status == null) {
            throw new IllegalArgumentException("exit status is required");
        }
        message = message == null ? "" : message;
    }
}
