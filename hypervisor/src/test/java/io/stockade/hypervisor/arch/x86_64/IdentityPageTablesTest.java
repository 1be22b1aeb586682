package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityPageTablesTest {
    private static final long ADDRESS_MASK = 0x000f_ffff_ffff_f000L;

    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(MemoryLayout.MIN_RAM_BYTES));
    private final long cr3 = IdentityPageTables.write(memory);

    @AfterEach
    void close() {
        memory.close();
    }

    /** Walks the tables like the MMU does for a 4-level, 2 MiB-page translation. */
    private long translate(long virtual) {
        long pml4e = memory.readLong((cr3 & ADDRESS_MASK) + ((virtual >>> 39) & 511) * 8);
        requirePresentWritable(pml4e, "PML4E", virtual);
        long pdpte = memory.readLong((pml4e & ADDRESS_MASK) + ((virtual >>> 30) & 511) * 8);
        requirePresentWritable(pdpte, "PDPTE", virtual);
        assertEquals(0, pdpte & (1 << 7), "no 1 GiB pages");
        long pde = memory.readLong((pdpte & ADDRESS_MASK) + ((virtual >>> 21) & 511) * 8);
        requirePresentWritable(pde, "PDE", virtual);
        assertEquals(1 << 7, pde & (1 << 7), "2 MiB page");
        return (pde & ADDRESS_MASK & ~0x1f_ffffL) | (virtual & 0x1f_ffff);
    }

    private static void requirePresentWritable(long entry, String level, long virtual) {
        if ((entry & 3) != 3) {
            throw new IllegalStateException(level + " for 0x" + Long.toHexString(virtual) + " not present/writable: 0x"
                    + Long.toHexString(entry));
        }
    }

    @Test
    void rootIsThePml4() {
        assertEquals(MemoryLayout.PML4_ADDRESS, cr3);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 0x7000, 0x9fc00, 0x10_0200, 0x100_0123, 0x3fff_ffff, 0x4000_0000, 0xbfff_ffffL,
            0xd000_0000L, 0xfee0_0000L, 0xffff_ffffL})
    void mapsTheFirstFourGibToThemselves(long address) {
        assertEquals(address, translate(address));
    }

    @Test
    void mapsNothingAboveFourGib() {
        var e = assertThrows(IllegalStateException.class, () -> translate(0x1_0000_0000L));
        assertTrue(e.getMessage().startsWith("PDPTE"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> translate(0x80_0000_0000L)); // PML4[1]
    }

    @Test
    void tablesDoNotOverlapTheZeroPageOrCommandLine() {
        long tablesEnd = MemoryLayout.PD_ADDRESS + MemoryLayout.IDENTITY_MAPPED_GIB * MemoryLayout.PAGE_SIZE;
        assertTrue(MemoryLayout.PML4_ADDRESS >= MemoryLayout.ZERO_PAGE_ADDRESS + 0x1000);
        assertTrue(tablesEnd <= MemoryLayout.CMDLINE_ADDRESS);
    }
}
