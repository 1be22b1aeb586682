package io.stockade.hypervisor.devices.virtio.net;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The {@code virtio_net_hdr_v1} that precedes every frame on both queues (VIRTIO 1.2 §5.1.6) and the size rules
 * for the packets it heads. With {@code VIRTIO_F_VERSION_1} the header is always 12 bytes, {@code num_buffers}
 * included. The device negotiates no offloads, so the only legal header is "no checksum work, no segmentation":
 * a transmitted packet asking for either is refused, and a received one is given a header of zeros with
 * {@code num_buffers} = 1, as §5.1.6.3.2 and §5.1.6.4.2 require without MRG_RXBUF and GUEST_CSUM.
 */
final class NetHeader {

    static final int BYTES = 12;
    static final int ETHERNET_HEADER_BYTES = 14;
    /** 64 KiB of payload plus an Ethernet header: what the largest (GSO) frame of a virtio-net link can be. */
    static final int MAX_FRAME_BYTES = 65_550;
    static final int MIN_PACKET_BYTES = BYTES + ETHERNET_HEADER_BYTES;
    static final int MAX_PACKET_BYTES = BYTES + MAX_FRAME_BYTES;

    static final int FLAGS = 0;
    static final int GSO_TYPE = 1;
    static final int NUM_BUFFERS = 10;
    static final int F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;

    private static final ValueLayout.OfShort LE_SHORT =
            JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private NetHeader() {
    }

    /** Why a packet (header + frame) of {@code length} bytes cannot cross the link, or empty if its size is fine. */
    static Optional<String> sizeProblem(long length) {
        if (length < MIN_PACKET_BYTES) {
            return Optional.of(String.format("packet of %d bytes is shorter than the %d-byte virtio-net header plus"
                    + " a %d-byte Ethernet header", length, BYTES, ETHERNET_HEADER_BYTES));
        }
        if (length > MAX_PACKET_BYTES) {
            return Optional.of(String.format("packet of %d bytes is longer than the %d-byte header plus the largest"
                    + " frame of %d bytes", length, BYTES, MAX_FRAME_BYTES));
        }
        return Optional.empty();
    }

    /**
     * Why the driver's header at the start of {@code packet} may not be sent, or empty: without offloads its flags
     * must be zero (the driver never sets DATA_VALID or RSC_INFO, §5.1.6.2.1) and gso_type NONE.
     */
    static Optional<String> transmitProblem(MemorySegment packet) {
        int flags = packet.get(JAVA_BYTE, FLAGS) & 0xff;
        int gsoType = packet.get(JAVA_BYTE, GSO_TYPE) & 0xff;
        if (flags != 0 || gsoType != GSO_NONE) {
            return Optional.of(String.format("header asks for flags 0x%x and gso_type %d, but no checksum or"
                    + " segmentation offload was negotiated", flags, gsoType));
        }
        return Optional.empty();
    }

    /**
     * Why the backend's header at the start of {@code packet} cannot be given to a driver without offloads, or
     * empty: a partial checksum or a GSO packet would need GUEST_CSUM or GUEST_TSO. DATA_VALID (the host already
     * verified the checksum) is harmless and gets cleared.
     */
    static Optional<String> receiveProblem(MemorySegment packet) {
        int flags = packet.get(JAVA_BYTE, FLAGS) & 0xff;
        int gsoType = packet.get(JAVA_BYTE, GSO_TYPE) & 0xff;
        if ((flags & F_NEEDS_CSUM) != 0 || gsoType != GSO_NONE) {
            return Optional.of(String.format("backend header has flags 0x%x and gso_type %d, which need offloads"
                    + " the driver did not negotiate", flags, gsoType));
        }
        return Optional.empty();
    }

    /** Replaces the header at the start of {@code packet} with zeros: nothing for the receiver to do. */
    static void clear(MemorySegment packet) {
        packet.asSlice(0, BYTES).fill((byte) 0);
    }

    /** Replaces the header with the one a driver without MRG_RXBUF or GUEST_CSUM must see. */
    static void writeForGuest(MemorySegment packet) {
        clear(packet);
        packet.set(LE_SHORT, NUM_BUFFERS, (short) 1);
    }
}
