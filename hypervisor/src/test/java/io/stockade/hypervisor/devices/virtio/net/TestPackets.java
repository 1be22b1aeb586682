package io.stockade.hypervisor.devices.virtio.net;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Builds the packets tests exchange: a 12-byte virtio-net header followed by an Ethernet frame. */
final class TestPackets {

    static final int HEADER = 12;

    private TestPackets() {
    }

    /** An Ethernet frame of {@code length} bytes with recognisable contents (a counter from {@code seed}). */
    static byte[] frame(int length, int seed) {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) {
            frame[i] = (byte) (seed + i * 7);
        }
        return frame;
    }

    /** {@code header} (padded to 12 bytes) followed by {@code frame}. */
    static byte[] packet(byte[] header, byte[] frame) {
        byte[] packet = new byte[HEADER + frame.length];
        System.arraycopy(header, 0, packet, 0, header.length);
        System.arraycopy(frame, 0, packet, HEADER, frame.length);
        return packet;
    }

    /** A zero header followed by {@code frame}. */
    static byte[] packet(byte[] frame) {
        return packet(new byte[HEADER], frame);
    }

    /** A header with the given flags and gso_type, and garbage in the fields only offloads give a meaning. */
    static byte[] header(int flags, int gsoType) {
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) flags).put((byte) gsoType).putShort((short) 0x1234).putShort((short) 0x5678)
                .putShort((short) 0x9abc).putShort((short) 0xdef0).putShort((short) 7);
        return h.array();
    }

    /** The header a driver without MRG_RXBUF or GUEST_CSUM must see on every received packet. */
    static byte[] guestHeader() {
        byte[] h = new byte[HEADER];
        h[10] = 1; // num_buffers
        return h;
    }
}
