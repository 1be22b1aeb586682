package io.stockade.hypervisor.arch.x86_64;

/**
 * Where the initial ramdisk sits in guest memory, and the rule that chose the spot: as high as possible in low RAM,
 * page-aligned, below the kernel's {@code initrd_addr_max}, and above everything the kernel occupies while booting.
 */
record Initrd(long address, long size) {
    /**
     * Places an initrd of {@code size} bytes.
     *
     * @param lowRamEnd end of the RAM region that starts at 0
     * @param initrdAddrMax highest address the initrd's last byte may occupy (setup header)
     * @param kernelEnd first address above the kernel's early-boot footprint
     * @throws BootSetupException if it does not fit
     */
    static Initrd place(long size, long lowRamEnd, long initrdAddrMax, long kernelEnd) {
        if (size <= 0) {
            throw new BootSetupException("initrd is empty");
        }
        long top = Math.min(lowRamEnd, initrdAddrMax + 1);
        long floor = (Math.max(kernelEnd, MemoryLayout.HIGH_MEMORY_START) + MemoryLayout.PAGE_SIZE - 1)
                & -MemoryLayout.PAGE_SIZE;
        long address = (top - size) & -MemoryLayout.PAGE_SIZE;
        if (size > top || address < floor) {
            throw new BootSetupException("initrd of " + size + " bytes does not fit between the kernel's end 0x"
                    + Long.toHexString(floor) + " and 0x" + Long.toHexString(top) + " (min of end of low RAM 0x"
                    + Long.toHexString(lowRamEnd) + " and initrd_addr_max + 1 0x" + Long.toHexString(initrdAddrMax + 1)
                    + ")");
        }
        return new Initrd(address, size);
    }
}
