package io.stockade.hypervisor.devices.virtio.block;

import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.Optional;

/**
 * One virtio-blk request (VIRTIO 1.2 §5.2.6) cut out of a validated descriptor chain: the 16-byte header
 * ({@code type}, reserved, {@code sector}) at the start of the readable part, the data the driver sends
 * ({@code toDevice}, the rest of the readable part), the buffers the device fills ({@code fromDevice}, all of the
 * writable part but its last byte) and the status byte (the very last writable byte).
 */
record BlockRequest(int headIndex, int type, long sector, GuestBuffers toDevice, GuestBuffers fromDevice,
                    GuestBuffers status) {

    static final int HEADER_BYTES = 16;
    static final int SECTOR_BYTES = 512;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;

    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    /** Splits {@code chain} into header, data and status; reads the header from guest memory. */
    static BlockRequest parse(DescriptorChain chain, GuestMemory memory) throws InvalidRequest {
        GuestBuffers writable = chain.writable();
        if (writable.length() == 0) {
            throw new InvalidRequest("no device-writable status byte", null);
        }
        GuestBuffers status = writable.slice(writable.length() - 1, 1);
        GuestBuffers readable = chain.readable();
        if (readable.length() < HEADER_BYTES) {
            throw new InvalidRequest("request header of " + readable.length() + " bytes is shorter than "
                    + HEADER_BYTES, status);
        }
        byte[] header = new byte[HEADER_BYTES];
        readable.read(memory, 0, header);
        int type = littleEndianInt(header, 0);
        long sector = (littleEndianInt(header, 8) & 0xffff_ffffL) | ((long) littleEndianInt(header, 12) << 32);
        return new BlockRequest(chain.headIndex(), type, sector,
                readable.slice(HEADER_BYTES, readable.length() - HEADER_BYTES),
                writable.slice(0, writable.length() - 1), status);
    }

    /**
     * Why a data transfer of {@code data} bytes at {@link #sector()} does not fit a disk of {@code capacity}
     * sectors, or empty if it does. Overflow-safe for any guest-supplied sector.
     */
    Optional<String> transferProblem(GuestBuffers data, long capacity) {
        long bytes = data.length();
        if (bytes % SECTOR_BYTES != 0) {
            return Optional.of("data length " + bytes + " is not a multiple of " + SECTOR_BYTES);
        }
        long sectors = bytes / SECTOR_BYTES;
        if (Long.compareUnsigned(sector, capacity) > 0 || sectors > capacity - sector) {
            return Optional.of(String.format("sectors [%s, +%d) run past the end of the disk (%d sectors)",
                    Long.toUnsignedString(sector), sectors, capacity));
        }
        return Optional.empty();
    }

    private static int littleEndianInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
