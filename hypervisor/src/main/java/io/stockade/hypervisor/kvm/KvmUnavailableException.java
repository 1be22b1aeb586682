package io.stockade.hypervisor.kvm;

/**
 * KVM cannot be used here: no /dev/kvm, no permission, an unexpected API version, or a capability the VMM needs is
 * missing. The message says which and what to do about it.
 */
public final class KvmUnavailableException extends RuntimeException {
    public KvmUnavailableException(String message) {
        super(message);
    }

    public KvmUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
