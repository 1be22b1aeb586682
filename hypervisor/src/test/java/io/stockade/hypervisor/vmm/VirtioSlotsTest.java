package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.AllocationException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioSlotsTest {

    @Test
    void slotsFillTheVirtioWindowPageByPageFromPinFive() {
        VirtioSlots slots = new VirtioSlots();
        assertEquals(new VirtioSlot(0xD000_0000L, 5), slots.allocate());
        assertEquals(new VirtioSlot(0xD000_1000L, 6), slots.allocate());
        assertEquals(new VirtioSlot(0xD000_2000L, 7), slots.allocate());
        assertEquals(new VirtioSlot(0xD000_3000L, 9), slots.allocate(), "pin 8 (RTC) is skipped");
    }

    @Test
    void everyFreePinIsUsedOnceAndTheLegacyOnesNever() {
        VirtioSlots slots = new VirtioSlots();
        List<Integer> irqs = new ArrayList<>();
        for (int i = 0; i < VirtioSlots.MAX_DEVICES; i++) {
            irqs.add(slots.allocate().irq());
        }
        assertEquals(List.of(5, 6, 7, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23), irqs);
        var e = assertThrows(AllocationException.class, slots::allocate);
        assertTrue(e.getMessage().contains("interrupt lines"), e.getMessage());
    }

    @Test
    void aFreedSlotIsHandedOutAgain() {
        VirtioSlots slots = new VirtioSlots();
        VirtioSlot first = slots.allocate();
        slots.allocate();
        slots.free(first);
        assertEquals(first, slots.allocate());
    }

    @Test
    void aSlotTellsTheGuestWhereItIsOnTheCommandLineAndInTheDsdt() {
        VirtioSlot slot = new VirtioSlot(0xD000_2000L, 7);
        assertEquals("virtio_mmio.device=4K@0xd0002000:7", slot.cmdlineFragment());
        assertEquals(0xD000_2050L, slot.queueNotifyAddress());
        assertEquals(0xD000_2000L, slot.acpiDevice().address());
        assertEquals(0x1000, slot.acpiDevice().size());
        assertEquals(7, slot.acpiDevice().gsi());
        assertFalse(VirtioSlots.RESERVED_IRQS.contains(VirtioSlots.FIRST_IRQ));
    }
}
