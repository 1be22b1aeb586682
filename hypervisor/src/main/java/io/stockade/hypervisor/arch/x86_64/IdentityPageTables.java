package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;

/**
 * The 4-level page tables the boot CPU starts with: an identity map of the first
 * {@link MemoryLayout#IDENTITY_MAPPED_GIB} GiB in 2 MiB pages (PML4[0] → one PDPT → one page directory per GiB).
 * The 64-bit boot protocol requires the kernel, zero page and command line to be identity-mapped; the kernel
 * replaces these tables early.
 */
final class IdentityPageTables {
    static final long PRESENT = 1;
    static final long WRITABLE = 1 << 1;
    static final long PAGE_SIZE_2M = 1 << 7;
    static final int ENTRIES = 512;
    static final long LARGE_PAGE = 1L << 21;

    private IdentityPageTables() {}

    /** Writes the tables; returns the value for CR3. */
    static long write(GuestMemory memory) {
        memory.writeLong(MemoryLayout.PML4_ADDRESS, MemoryLayout.PDPT_ADDRESS | PRESENT | WRITABLE);
        for (int gib = 0; gib < MemoryLayout.IDENTITY_MAPPED_GIB; gib++) {
            long directory = MemoryLayout.PD_ADDRESS + gib * MemoryLayout.PAGE_SIZE;
            memory.writeLong(MemoryLayout.PDPT_ADDRESS + gib * 8L, directory | PRESENT | WRITABLE);
            for (int i = 0; i < ENTRIES; i++) {
                long physical = ((long) gib * ENTRIES + i) * LARGE_PAGE;
                memory.writeLong(directory + i * 8L, physical | PRESENT | WRITABLE | PAGE_SIZE_2M);
            }
        }
        return MemoryLayout.PML4_ADDRESS;
    }
}
