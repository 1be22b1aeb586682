package io.stockade.hypervisor.devices.virtio.vsock;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct virtio_vsock_hdr} (VIRTIO 1.2 §5.10.6), 44 little-endian bytes in front of every packet. Fields keep
 * the wire's unsigned values in Java ints and longs; {@code type} and {@code op} are the raw 16-bit values, so a
 * header decoded from a hostile guest can still be described in a log line before it is validated.
 */
record PacketHeader(long srcCid, long dstCid, int srcPort, int dstPort, int len, int type, int op, int flags,
                    int bufAlloc, int fwdCnt) {

    static final int BYTES = 44;
    static final int TYPE_STREAM = 1;
    static final long HOST_CID = 2;
    /** SHUTDOWN flag: the sender will receive nothing more. */
    static final int SHUTDOWN_RCV = 1;
    /** SHUTDOWN flag: the sender will send nothing more. */
    static final int SHUTDOWN_SEND = 2;

    static PacketHeader decode(byte[] bytes) {
        if (bytes.length != BYTES) {
            throw new IllegalArgumentException("a vsock header is " + BYTES + " bytes, got " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new PacketHeader(b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getShort() & 0xffff,
                b.getShort() & 0xffff, b.getInt(), b.getInt(), b.getInt());
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(srcCid).putLong(dstCid).putInt(srcPort).putInt(dstPort).putInt(len).putShort((short) type)
                .putShort((short) op).putInt(flags).putInt(bufAlloc).putInt(fwdCnt);
        return b.array();
    }

    long lenUnsigned() {
        return Integer.toUnsignedLong(len);
    }

    @Override
    public String toString() {
        return String.format("{%s:%s -> %s:%s op %d type %d len %s flags 0x%x buf_alloc %s fwd_cnt %s}",
                Long.toUnsignedString(srcCid), Integer.toUnsignedString(srcPort), Long.toUnsignedString(dstCid),
                Integer.toUnsignedString(dstPort), op, type, Integer.toUnsignedString(len), flags,
                Integer.toUnsignedString(bufAlloc), Integer.toUnsignedString(fwdCnt));
    }
}
