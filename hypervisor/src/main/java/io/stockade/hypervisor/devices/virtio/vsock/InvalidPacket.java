package io.stockade.hypervisor.devices.virtio.vsock;

import java.util.Optional;

/**
 * A packet the guest put on the TX queue that breaks the protocol. When its addressing can be trusted — it names
 * the guest as source and is not itself an RST — {@link #resetTarget()} is the header to answer with an RST, so the
 * guest socket fails fast instead of waiting forever; otherwise the packet is only dropped and logged.
 */
final class InvalidPacket extends Exception {

    private final transient PacketHeader resetTarget;

    InvalidPacket(String message, PacketHeader resetTarget) {
        super(message, null, false, false);
        this.resetTarget = resetTarget;
    }

    Optional<PacketHeader> resetTarget() {
        return Optional.ofNullable(resetTarget);
    }
}
