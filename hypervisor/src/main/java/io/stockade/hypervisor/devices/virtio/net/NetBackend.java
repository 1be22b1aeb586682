package io.stockade.hypervisor.devices.virtio.net;

import java.lang.foreign.MemorySegment;

/**
 * The host end of a virtio-net link: where the guest's transmitted frames go and where its received frames come
 * from. Every packet crossing this interface is a 12-byte {@code virtio_net_hdr_v1} followed by one Ethernet frame
 * — the layout a TAP device opened with {@code IFF_VNET_HDR} and a header size of 12 uses — so offloads can later be
 * passed through without re-framing. {@link VirtioNet} validates and rewrites the header in both directions.
 *
 * <p>Both calls are non-blocking. {@link #readinessFd()} is a file descriptor that polls readable (level-triggered)
 * while a packet waits; the device watches it with epoll only while the guest has receive buffers posted, which is
 * how back-pressure reaches the host side: what the device does not read stays queued in (and is eventually dropped
 * by) the backend. Failures are thrown as unchecked exceptions naming the backend and the call; the device then
 * drops the packet (transmit) or stops receiving (receive).
 */
public interface NetBackend extends AutoCloseable {

    /** What {@link #receive} returns when no packet is waiting. */
    long NO_PACKET = -1;

    /**
     * Reads one waiting packet into {@code buffer}.
     *
     * @return the packet's length, or {@link #NO_PACKET}; a packet longer than {@code buffer} may be reported with
     *         {@code buffer}'s length, so callers pass a buffer one byte larger than the largest packet they accept
     */
    long receive(MemorySegment buffer);

    /**
     * Sends one packet.
     *
     * @return false if the backend cannot take it now; the packet is then dropped, as a NIC with a full queue does
     */
    boolean send(MemorySegment packet);

    /** A file descriptor that polls readable while {@link #receive} has a packet to return. */
    int readinessFd();

    /** Releases the backend (for a TAP: closes the fd, which deletes a non-persistent device); idempotent. */
    @Override
    void close();
}
