package io.stockade.hypervisor.devices.virtio.vsock;

/**
 * Flow control of one connection, both directions (VIRTIO 1.2 §5.10.6.3). Every counter is the protocol's
 * free-running unsigned 32-bit value, so all differences are taken modulo 2^32.
 *
 * <p>Towards the host we advertise {@link #BUFFER_BYTES} of buffer: the guest may have at most that many bytes in
 * flight that the host socket has not yet taken ({@code fwd_cnt}). A guest that sends more has broken the protocol.
 * Because the Linux driver never asks for credit by itself, we tell it proactively once it believes less than half
 * the buffer is free and we have forwarded something since we last told it.
 *
 * <p>Towards the guest we never send more than it has room for: {@code buf_alloc - (sent - fwd_cnt)} from the
 * newest header it sent us. A guest reporting nonsense (forwarded more than was sent) gets zero credit, which only
 * stalls its own connection.
 */
final class Credit {

    /** The buffer each connection advertises to the guest: bytes from the guest not yet taken by the host. */
    static final int BUFFER_BYTES = 256 * 1024;

    // Guest -> host.
    private int receivedFromGuest;
    private int forwarded;
    private int advertisedForwarded;

    // Host -> guest.
    private int sentToGuest;
    private int guestBufAlloc;
    private int guestFwdCnt;

    /** Whether the guest may send {@code len} more bytes now without overrunning our buffer. */
    boolean guestMaySend(long len) {
        return Integer.toUnsignedLong(receivedFromGuest - forwarded) + len <= BUFFER_BYTES;
    }

    void receivedFromGuest(int len) {
        receivedFromGuest += len;
    }

    /** The host socket took {@code n} more bytes. */
    void forwarded(long n) {
        forwarded += (int) n;
    }

    /** Bytes from the guest that the host has not taken yet. */
    long unforwarded() {
        return Integer.toUnsignedLong(receivedFromGuest - forwarded);
    }

    int fwdCnt() {
        return forwarded;
    }

    /** A packet carrying our current {@link #fwdCnt()} is going to the guest. */
    void advertised() {
        advertisedForwarded = forwarded;
    }

    /** Whether the guest would soon stall on stale credit information that a CREDIT_UPDATE would refresh. */
    boolean guestNeedsUpdate() {
        long guestBelievesFree = BUFFER_BYTES - Integer.toUnsignedLong(receivedFromGuest - advertisedForwarded);
        return forwarded != advertisedForwarded && guestBelievesFree < BUFFER_BYTES / 2;
    }

    /** Takes the guest's buffer information from a header it sent. */
    void updateFromGuest(int bufAlloc, int fwdCnt) {
        guestBufAlloc = bufAlloc;
        guestFwdCnt = fwdCnt;
    }

    /** How many bytes the guest has room for now. */
    long guestFree() {
        long inFlight = Integer.toUnsignedLong(sentToGuest - guestFwdCnt);
        long capacity = Integer.toUnsignedLong(guestBufAlloc);
        return inFlight >= capacity ? 0 : capacity - inFlight;
    }

    void sentToGuest(long n) {
        sentToGuest += (int) n;
    }
}
