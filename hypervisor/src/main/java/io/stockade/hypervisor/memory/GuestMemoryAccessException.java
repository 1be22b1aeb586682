package io.stockade.hypervisor.memory;

/**
 * An access to guest-physical memory that is not backed by RAM: outside every region, spanning two regions or a
 * gap, wrapping around the address space, or of negative length. Usually caused by a guest handing a device a bad
 * address, so device code turns it into a device error, not a VMM crash.
 */
public final class GuestMemoryAccessException extends RuntimeException {
    private final long address;
    private final long length;

    public GuestMemoryAccessException(long address, long length, String problem) {
        super("guest memory access at 0x" + Long.toHexString(address) + " of length 0x" + Long.toHexString(length)
                + ": " + problem);
        this.address = address;
        this.length = length;
    }

    public long address() {
        return address;
    }

    public long length() {
        return length;
    }
}
