package io.stockade.hypervisor.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A region spec is page-aligned, non-empty, and does not run off the top of the address space. */
class RegionSpecTest {

    @Test
    void aValidSpecKnowsItsEnd() {
        assertEquals(0x1_4000_0000L, new RegionSpec(0x1_0000_0000L, 0x4000_0000L).end());
    }

    @Test
    void unalignedAddressesAndSizesAreRejected() {
        IllegalArgumentException address = assertThrows(IllegalArgumentException.class, () -> new RegionSpec(0x800, 0x1000));
        assertTrue(address.getMessage().contains("0x800"), address.getMessage());
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> new RegionSpec(0, 0x1001));
        assertTrue(size.getMessage().contains("0x1001"), size.getMessage());
    }

    @Test
    void emptyOrNegativeRegionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new RegionSpec(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RegionSpec(0, -0x1000));
        assertThrows(IllegalArgumentException.class, () -> new RegionSpec(-0x1000, 0x1000));
    }

    @Test
    void aRegionPastTheEndOfTheAddressSpaceIsRejected() {
        long top = Long.MAX_VALUE & ~0xFFFL;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RegionSpec(top, 0x2000));
        assertTrue(e.getMessage().contains("past the end"), e.getMessage());
    }
}
