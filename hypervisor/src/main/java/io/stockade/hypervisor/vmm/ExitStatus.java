package io.stockade.hypervisor.vmm;

/**
 * Why a VM stopped, and the process exit code {@code stockade-vmm} reports for it.
 */
public enum ExitStatus {
    /** The guest powered off (ACPI S5 through the sleep control register, or KVM system event SHUTDOWN). */
    POWEROFF(0),
    /** The guest reset the machine (i8042 reset line, KVM system event RESET); Stockade VMs do not reboot. */
    REBOOT(3),
    /** A vCPU triple-faulted (KVM_EXIT_SHUTDOWN). */
    TRIPLE_FAULT(4),
    /** KVM or the VMM failed: an internal error, failed entry, unknown exit or a device bug. */
    INTERNAL_ERROR(5),
    /** The host stopped the VM (control API or a signal to the VMM). */
    HOST_STOP(6);

    /** Exit code for a configuration the VMM refused before building the VM. */
    public static final int BAD_CONFIG_EXIT_CODE = 2;
    /** Exit code when the VM could not be built or started (e.g. no usable /dev/kvm). */
    public static final int START_FAILED_EXIT_CODE = 1;

    private final int exitCode;

    ExitStatus(int exitCode) {
        this.exitCode = exitCode;
    }

    /** The {@code stockade-vmm} process exit code. */
    public int exitCode() {
        return exitCode;
    }
}
