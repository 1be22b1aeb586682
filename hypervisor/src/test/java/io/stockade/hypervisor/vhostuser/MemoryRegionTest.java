package io.stockade.hypervisor.vhostuser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryRegionTest {

    private static final List<RegionSpec> LAYOUT =
            List.of(new RegionSpec(0, 0x10000), new RegionSpec(0x100000, 0x20000));

    @Test
    void memfdMemoryBecomesOneEntryPerRegionWithFileOffsets() {
        try (GuestMemory memory = GuestMemory.createMemfd("vhost-user-table", LAYOUT)) {
            List<MemoryRegion> table = MemoryRegion.of(memory);
            assertEquals(2, table.size());
            MemoryRegion high = table.get(1);
            assertEquals(0x100000, high.guestAddress());
            assertEquals(0x20000, high.size());
            assertEquals(memory.regions().get(1).fdOffset(), high.mmapOffset());
            assertEquals(memory.segment(0x100000, 1).address(), high.userAddress());
            assertEquals(memory.regions().get(1).fd(), high.fd());
            assertEquals(high.userAddress() + 0x10, high.userAddressOf(0x100010));
            assertEquals(-1, high.userAddressOf(0x120000));
        }
    }

    @Test
    void heapMemoryCannotBeSharedWithABackend() {
        try (GuestMemory memory = GuestMemory.ofHeap(LAYOUT)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryRegion.of(memory));
            assertTrue(e.getMessage().contains("createMemfd"), e.getMessage());
        }
    }

    @Test
    void regionsThatWrapOrHaveNoFileAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new MemoryRegion(-0x1000, 0x2000, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new MemoryRegion(0, 0, 0, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new MemoryRegion(0, 0x1000, 0, 0, -1));
    }
}
