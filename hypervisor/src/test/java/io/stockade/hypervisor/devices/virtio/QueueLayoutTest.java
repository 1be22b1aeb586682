package io.stockade.hypervisor.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueueLayoutTest {

    private final GuestMemory memory = TestRam.create();

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    private Optional<String> problem(int size, long desc, long avail, long used) {
        return new QueueLayout(size, desc, avail, used).problem(memory, 256);
    }

    @Test
    void aWellFormedLayoutHasNoProblem() {
        assertEquals(Optional.empty(), problem(256, 0, 0x1000, 0x2000));
        assertEquals(Optional.empty(), problem(1, TestRam.HIGH, TestRam.HIGH + 0x10, TestRam.HIGH + 0x20));
    }

    @Test
    void sizeMustBeAPowerOfTwoWithinTheMaximum() {
        for (int size : new int[] {0, -8, 3, 100, 512}) {
            String problem = problem(size, 0, 0x1000, 0x2000).orElseThrow(() -> new AssertionError("size " + size));
            assertTrue(problem.contains("queue size " + size), problem);
        }
    }

    @Test
    void areasMustBeAligned() {
        assertTrue(problem(8, 0x8, 0x1000, 0x2000).orElseThrow().contains("descriptor table at 0x8"));
        assertTrue(problem(8, 0, 0x1001, 0x2000).orElseThrow().contains("driver area"));
        assertTrue(problem(8, 0, 0x1000, 0x2002).orElseThrow().contains("device area"));
    }

    @Test
    void areasMustLieInsideOneRamRegionIncludingTheEventFields() {
        // The used ring of size 8 needs 4 + 64 + 2 = 70 bytes; put it 68 bytes before the end of the low region.
        assertTrue(problem(8, 0, 0x1000, TestRam.REGION_SIZE - 68).orElseThrow().contains("not inside guest RAM"));
        assertTrue(problem(8, 0x8000_0000L, 0x1000, 0x2000).isPresent(), "in the hole");
        assertTrue(problem(8, -16, 0x1000, 0x2000).isPresent(), "at the top of the address space");
    }
}
