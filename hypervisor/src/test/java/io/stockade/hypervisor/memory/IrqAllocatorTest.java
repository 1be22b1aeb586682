package io.stockade.hypervisor.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Interrupt lines are handed out lowest first from a fixed range and can be reused. */
class IrqAllocatorTest {

    @Test
    void linesComeLowestFirstUntilTheRangeIsExhausted() {
        IrqAllocator irqs = new IrqAllocator(5, 7);
        assertEquals(5, irqs.allocate());
        assertEquals(6, irqs.allocate());
        assertEquals(7, irqs.allocate());
        AllocationException e = assertThrows(AllocationException.class, irqs::allocate);
        assertTrue(e.getMessage().contains("5..7"), e.getMessage());
    }

    @Test
    void aFreedLineIsReused() {
        IrqAllocator irqs = new IrqAllocator(5, 23);
        irqs.allocate();
        int second = irqs.allocate();
        irqs.allocate();
        irqs.free(second);
        assertEquals(second, irqs.allocate());
    }

    @Test
    void reservedLinesAreSkipped() {
        IrqAllocator irqs = new IrqAllocator(4, 23);
        irqs.reserve(4);
        assertEquals(5, irqs.allocate());
        assertThrows(AllocationException.class, () -> irqs.reserve(5));
        assertThrows(AllocationException.class, () -> irqs.reserve(24));
    }

    @Test
    void freeingALineThatIsNotAllocatedIsAnError() {
        IrqAllocator irqs = new IrqAllocator(5, 23);
        assertThrows(AllocationException.class, () -> irqs.free(6));
        assertThrows(AllocationException.class, () -> irqs.free(2));
        int irq = irqs.allocate();
        irqs.free(irq);
        assertThrows(AllocationException.class, () -> irqs.free(irq));
    }

    @Test
    void anEmptyOrNegativeRangeIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new IrqAllocator(5, 4));
        assertThrows(IllegalArgumentException.class, () -> new IrqAllocator(-1, 4));
    }
}
