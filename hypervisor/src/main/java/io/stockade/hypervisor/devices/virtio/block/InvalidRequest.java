package io.stockade.hypervisor.devices.virtio.block;

import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import java.util.Optional;

/**
 * A block request whose shape is wrong before any I/O is considered. If the chain at least has a status byte the
 * driver is answered with VIRTIO_BLK_S_IOERR there; otherwise the request can only be returned unanswered.
 */
final class InvalidRequest extends Exception {
    private final transient GuestBuffers status;

    InvalidRequest(String reason, GuestBuffers status) {
        super(reason, null, false, false);
        this.status = status;
    }

    Optional<GuestBuffers> status() {
        return Optional.ofNullable(status);
    }
}
