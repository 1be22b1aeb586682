package io.stockade.hypervisor.devices.virtio;

/** The driver broke a rule of the split ring; the message names the descriptor index and guest address involved. */
final class RingViolation extends Exception {
    RingViolation(String message) {
        super(message, null, false, false);
    }
}
