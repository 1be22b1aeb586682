package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class E820EntryTest {
    private static final long MIB = 1L << 20;

    @Test
    void reservesTheEbdaAndBiosAreaAndListsEveryRegionAsRam() {
        // A miniature of the >3 GiB layout: low RAM, a hole, RAM at 4 GiB (kept small so the test allocates little).
        try (GuestMemory memory = GuestMemory.ofHeap(List.of(new RegionSpec(0, 2 * MIB),
                new RegionSpec(MemoryLayout.MMIO_HOLE_END, MIB)))) {
            assertEquals(List.of(
                            new E820Entry(0, 0x9fc00, E820Entry.RAM),
                            new E820Entry(0x9fc00, 0x60400, E820Entry.RESERVED),
                            new E820Entry(MIB, MIB, E820Entry.RAM),
                            new E820Entry(MemoryLayout.MMIO_HOLE_END, MIB, E820Entry.RAM)),
                    E820Entry.mapOf(memory.regions()));
        }
    }

    @Test
    void needsLowRamAboveOneMiB() {
        try (GuestMemory memory = GuestMemory.ofHeap(List.of(new RegionSpec(0, MIB)))) {
            assertThrows(BootSetupException.class, () -> E820Entry.mapOf(memory.regions()));
        }
        try (GuestMemory memory = GuestMemory.ofHeap(List.of(new RegionSpec(MIB, 2 * MIB)))) {
            assertThrows(BootSetupException.class, () -> E820Entry.mapOf(memory.regions()));
        }
    }
}
