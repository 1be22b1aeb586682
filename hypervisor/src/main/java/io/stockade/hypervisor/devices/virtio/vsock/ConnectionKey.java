package io.stockade.hypervisor.devices.virtio.vsock;

/** Names a connection by its two ends: the host-side port and the guest-side port (unsigned 32-bit values). */
record ConnectionKey(int hostPort, int guestPort) {

    @Override
    public String toString() {
        return "host port " + Integer.toUnsignedString(hostPort) + " <-> guest port "
                + Integer.toUnsignedString(guestPort);
    }
}
