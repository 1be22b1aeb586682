package io.stockade.hypervisor.vhostuser;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.GuestRegion;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of SET_MEM_TABLE: a guest-physical range, the frontend's virtual address of it (ring addresses are given
 * in that address space) and where the backend maps it from: {@code fd} at {@code mmapOffset}.
 */
public record MemoryRegion(long guestAddress, long size, long userAddress, long mmapOffset, int fd) {
    static final int BYTES = 32;

    public MemoryRegion {
        if (size <= 0 || Long.compareUnsigned(guestAddress + size, guestAddress) < 0
                || Long.compareUnsigned(userAddress + size, userAddress) < 0) {
            throw new IllegalArgumentException(String.format(
                    "memory region at guest 0x%x / user 0x%x with size 0x%x is empty or wraps", guestAddress,
                    userAddress, size));
        }
        if (fd < 0 || mmapOffset < 0) {
            throw new IllegalArgumentException(String.format(
                    "memory region at guest 0x%x has no file to share (fd %d, offset 0x%x)", guestAddress, fd,
                    mmapOffset));
        }
    }

    /**
     * The table describing all of {@code memory}.
     *
     * @throws IllegalArgumentException if a region is not backed by a file (heap memory cannot be shared with a
     *         backend process; use {@link GuestMemory#createMemfd})
     */
    public static List<MemoryRegion> of(GuestMemory memory) {
        List<MemoryRegion> table = new ArrayList<>();
        for (GuestRegion r : memory.regions()) {
            if (r.fd() < 0) {
                throw new IllegalArgumentException(String.format(
                        "guest RAM region at 0x%x is not file-backed, so a vhost-user backend cannot map it; "
                                + "create the guest memory with GuestMemory.createMemfd", r.guestAddress()));
            }
            table.add(new MemoryRegion(r.guestAddress(), r.size(), r.hostSegment().address(), r.fdOffset(), r.fd()));
        }
        return List.copyOf(table);
    }

    /** The frontend address of guest address {@code gpa}, or -1 if the region does not contain it. */
    long userAddressOf(long gpa) {
        long offset = gpa - guestAddress;
        return Long.compareUnsigned(offset, size) < 0 ? userAddress + offset : -1;
    }

    void encode(ByteBuffer into) {
        into.putLong(guestAddress).putLong(size).putLong(userAddress).putLong(mmapOffset);
    }
}
