package io.stockade.hypervisor.arch.x86_64;

/**
 * A guest cannot be prepared for boot with the given configuration: the command line is too long, the initrd does
 * not fit below the kernel's limit, RAM is too small for the kernel, the vCPU count is out of range, and so on. The
 * message names the offending value and the limit it broke. Thrown before any vCPU runs, so the VMM can report it and
 * release the VM.
 */
public class BootSetupException extends RuntimeException {
    public BootSetupException(String message) {
        super(message);
    }
}
