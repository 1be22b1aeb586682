package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import io.stockade.hypervisor.memory.GuestMemory;

/**
 * A validated packet from the guest's TX queue: its header, its operation and exactly {@code header.len()} bytes of
 * payload, still in guest memory. The header may be split across descriptors in any way; only the chain's
 * device-readable part counts.
 */
record TxPacket(PacketHeader header, Op op, GuestBuffers payload) {

    /** The largest payload a packet may carry (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;

    /**
     * Reads and checks the packet in {@code chain}: a whole header, STREAM type, a known op, the guest as source,
     * the host as destination, and a length that fits both the buffers and {@link #MAX_PAYLOAD}.
     */
    static TxPacket parse(DescriptorChain chain, GuestMemory memory, long guestCid) throws InvalidPacket {
        GuestBuffers readable = chain.readable();
        if (readable.length() < PacketHeader.BYTES) {
            throw new InvalidPacket(String.format("chain with head %d has %d readable bytes, less than the %d-byte"
                    + " header", chain.headIndex(), readable.length(), PacketHeader.BYTES), null);
        }
        byte[] raw = new byte[PacketHeader.BYTES];
        readable.read(memory, 0, raw);
        PacketHeader h = PacketHeader.decode(raw);
        if (h.srcCid() != guestCid) {
            throw new InvalidPacket(String.format("packet %s claims source CID %s, but the guest's CID is %d", h,
                    Long.toUnsignedString(h.srcCid()), guestCid), null);
        }
        PacketHeader answerable = h.op() == Op.RST.code() ? null : h;
        if (h.dstCid() != PacketHeader.HOST_CID) {
            throw new InvalidPacket("packet " + h + " is not addressed to the host (CID 2)", answerable);
        }
        if (h.type() != PacketHeader.TYPE_STREAM) {
            throw new InvalidPacket("packet " + h + " has socket type " + h.type() + "; only STREAM (1) is offered",
                    answerable);
        }
        Op op = Op.of(h.op()).orElseThrow(() -> new InvalidPacket("packet " + h + " has unknown op " + h.op(),
                answerable));
        long payloadRoom = readable.length() - PacketHeader.BYTES;
        if (h.lenUnsigned() > payloadRoom) {
            throw new InvalidPacket(String.format("packet %s announces %s payload bytes but its buffers hold only %d",
                    h, Integer.toUnsignedString(h.len()), payloadRoom), answerable);
        }
        if (h.lenUnsigned() > MAX_PAYLOAD) {
            throw new InvalidPacket(String.format("packet %s announces %s payload bytes, more than the %d allowed",
                    h, Integer.toUnsignedString(h.len()), MAX_PAYLOAD), answerable);
        }
        return new TxPacket(h, op, readable.slice(PacketHeader.BYTES, h.len()));
    }
}
