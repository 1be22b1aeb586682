package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.devices.virtio.Descriptor;
import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import io.stockade.hypervisor.memory.GuestMemory;
import java.lang.foreign.MemorySegment;

/**
 * The device-writable part of one RX chain the guest posted, about to become a packet for it: a header in the first
 * 44 bytes, payload after it. Nothing is ever written beyond the chain's buffers: payload windows are cut from what
 * follows the header, and the header is written over however many descriptors it spans.
 */
final class RxBuffer {

    private final GuestMemory memory;
    private final GuestBuffers writable;

    RxBuffer(GuestMemory memory, GuestBuffers writable) {
        if (writable.length() < PacketHeader.BYTES) {
            throw new IllegalArgumentException("an RX buffer needs room for the " + PacketHeader.BYTES
                    + "-byte header, got " + writable.length());
        }
        this.memory = memory;
        this.writable = writable;
    }

    /** How many payload bytes fit after the header (capped at the protocol's largest packet). */
    int payloadCapacity() {
        return (int) Math.min(writable.length() - PacketHeader.BYTES, TxPacket.MAX_PAYLOAD);
    }

    /**
     * Guest memory for up to {@code max} payload bytes, starting right after the header: the part of the first
     * payload descriptor that fits, so host sockets can read straight into it. Empty when there is no room.
     */
    MemorySegment payloadWindow(int max) {
        int length = Math.min(max, payloadCapacity());
        if (length <= 0) {
            return MemorySegment.NULL;
        }
        Descriptor first = writable.slice(PacketHeader.BYTES, length).descriptors().getFirst();
        return memory.segment(first.address(), first.length());
    }

    /** Writes the header; the packet is then {@code BYTES + header.len()} bytes long. */
    long complete(PacketHeader header) {
        writable.write(memory, 0, header.encode(), 0, PacketHeader.BYTES);
        return PacketHeader.BYTES + header.lenUnsigned();
    }
}
