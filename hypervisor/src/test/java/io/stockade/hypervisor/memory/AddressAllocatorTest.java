package io.stockade.hypervisor.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MMIO windows are carved into aligned, non-overlapping ranges, reused after free, with clear errors when full. */
class AddressAllocatorTest {
    private static final AddressRange WINDOW = new AddressRange(0xD000_0000L, 0x4000);

    @Test
    void rangesComeFromTheBottomOfTheWindowWithoutOverlap() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        AddressRange first = allocator.allocate(0x200, 0x200);
        AddressRange second = allocator.allocate(0x200, 0x200);
        assertEquals(new AddressRange(0xD000_0000L, 0x200), first);
        assertEquals(new AddressRange(0xD000_0200L, 0x200), second);
    }

    @Test
    void rangesAreAlignedEvenWhenTheWindowIsNot() {
        AddressAllocator allocator = new AddressAllocator("odd", new AddressRange(0x1100, 0x3000));
        assertEquals(0x2000, allocator.allocate(0x100, 0x1000).base());
        AddressRange next = allocator.allocate(0x10, 0x1000);
        assertEquals(0x3000, next.base());
    }

    @Test
    void aFreedRangeIsReused() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        AddressRange first = allocator.allocate(0x1000, 0x1000);
        allocator.allocate(0x1000, 0x1000);
        allocator.free(first);
        assertEquals(first, allocator.allocate(0x1000, 0x1000));
    }

    @Test
    void aGapBetweenRangesIsUsedWhenLargeEnough() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        AddressRange a = allocator.allocate(0x1000, 0x1000);
        allocator.allocate(0x1000, 0x1000);
        allocator.free(a);
        assertEquals(0xD000_2000L, allocator.allocate(0x2000, 0x1000).base(), "the 0x1000 gap is too small");
        assertEquals(0xD000_0000L, allocator.allocate(0x800, 0x800).base());
    }

    @Test
    void exhaustionNamesTheWindowAndTheRequest() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        for (int i = 0; i < 4; i++) {
            allocator.allocate(0x1000, 0x1000);
        }
        AllocationException e = assertThrows(AllocationException.class, () -> allocator.allocate(0x1000, 0x1000));
        assertTrue(e.getMessage().contains("virtio-mmio") && e.getMessage().contains("[0xd0000000, 0xd0004000)")
                && e.getMessage().contains("0x1000 bytes"), e.getMessage());
        assertThrows(AllocationException.class, () -> new AddressAllocator("w", WINDOW).allocate(0x5000, 0x1000));
    }

    @Test
    void aWindowAtTheTopOfTheAddressSpaceDoesNotOverflow() {
        long top = Long.MAX_VALUE - 0x800; // the window ends at the last address; aligning up would overflow
        AddressAllocator allocator = new AddressAllocator("top", new AddressRange(top, 0x800));
        assertThrows(AllocationException.class, () -> allocator.allocate(0x10, 0x1000));
        assertEquals(top, allocator.allocate(0x10, 1).base());
    }

    @Test
    void reservationsMustFitTheWindowAndNotOverlap() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        allocator.reserve(new AddressRange(0xD000_1000L, 0x1000));
        assertThrows(AllocationException.class, () -> allocator.reserve(new AddressRange(0xD000_1800L, 0x1000)));
        assertThrows(AllocationException.class, () -> allocator.reserve(new AddressRange(0xD000_0800L, 0x1000)));
        assertThrows(AllocationException.class, () -> allocator.reserve(new AddressRange(0xD000_3000L, 0x2000)));
        assertEquals(0xD000_0000L, allocator.allocate(0x1000, 0x1000).base());
        assertEquals(0xD000_2000L, allocator.allocate(0x1000, 0x1000).base());
    }

    @Test
    void freeingARangeThatIsNotAllocatedIsAnError() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        AddressRange r = allocator.allocate(0x1000, 0x1000);
        assertThrows(AllocationException.class, () -> allocator.free(new AddressRange(r.base(), 0x800)));
        allocator.free(r);
        assertThrows(AllocationException.class, () -> allocator.free(r));
    }

    @Test
    void badRequestsAreRejected() {
        AddressAllocator allocator = new AddressAllocator("virtio-mmio", WINDOW);
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0x1000, 0x1800));
        assertThrows(IllegalArgumentException.class, () -> allocator.allocate(0x1000, 0));
    }
}
