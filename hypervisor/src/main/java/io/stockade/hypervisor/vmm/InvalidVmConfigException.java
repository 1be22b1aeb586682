package io.stockade.hypervisor.vmm;

/** A {@link VmConfig} that cannot describe a bootable VM; the message names the setting and the problem. */
public final class InvalidVmConfigException extends IllegalArgumentException {

    InvalidVmConfigException(String message) {
        super(message);
    }

    InvalidVmConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
