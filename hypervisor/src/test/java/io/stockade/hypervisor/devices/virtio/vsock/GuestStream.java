package io.stockade.hypervisor.devices.virtio.vsock;

/**
 * One guest socket's side of a connection, as the Linux driver keeps it: the credit it advertises (and refreshes
 * with CREDIT_UPDATE once the application has consumed half of it) and the credit the device gave it, which it
 * never exceeds. Driven from the test thread.
 */
final class GuestStream {

    private final GuestSide guest;
    private final int guestPort;
    private final int hostPort;
    private final int bufAlloc;
    private int consumed;
    private int advertisedConsumed;
    private int sent;
    private long deviceBufAlloc;
    private int deviceFwdCnt;

    GuestStream(GuestSide guest, int guestPort, int hostPort, int bufAlloc) {
        this.guest = guest;
        this.guestPort = guestPort;
        this.hostPort = hostPort;
        this.bufAlloc = bufAlloc;
    }

    /** Takes the device's credit information from a packet it sent on this connection. */
    void heard(PacketHeader h) {
        deviceBufAlloc = Integer.toUnsignedLong(h.bufAlloc());
        deviceFwdCnt = h.fwdCnt();
    }

    /** How many bytes the device's credit lets us send now. */
    long credit() {
        return Math.max(0, deviceBufAlloc - Integer.toUnsignedLong(sent - deviceFwdCnt));
    }

    PacketHeader header(Op op, int len, int flags) {
        return GuestSide.header(op, guestPort, hostPort, len, flags, bufAlloc, consumed);
    }

    void send(Op op) {
        send(op, 0);
    }

    void send(Op op, int flags) {
        guest.send(header(op, 0, flags));
        advertisedConsumed = consumed;
    }

    /** Sends data, which must fit the device's credit. */
    void write(byte[] data) {
        if (data.length > credit()) {
            throw new AssertionError("the test guest would overrun the device's credit");
        }
        guest.send(header(Op.RW, data.length, 0), data);
        sent += data.length;
        advertisedConsumed = consumed;
    }

    /** The application read {@code n} bytes; tell the device when half our buffer has been freed unannounced. */
    void consumed(int n) {
        consumed += n;
        if (consumed - advertisedConsumed >= bufAlloc / 2) {
            send(Op.CREDIT_UPDATE);
        }
    }

    boolean owns(GuestSide.Packet p) {
        return p.header().srcPort() == hostPort && p.header().dstPort() == guestPort;
    }
}
