package io.stockade.hypervisor.devices.bus;

/**
 * A device threw while handling a guest access: a bug in the device model, never bad guest input.
 * The message names the bus, the device, the access width, the guest address and the offset.
 */
public final class DeviceFailedException extends RuntimeException {

    DeviceFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
