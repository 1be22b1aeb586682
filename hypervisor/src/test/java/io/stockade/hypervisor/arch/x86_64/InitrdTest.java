package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InitrdTest {
    private static final long LOW_RAM_END = 0x800_0000; // 128 MiB
    private static final long NO_LIMIT = 0x7fff_ffff;
    private static final long KERNEL_END = 0x200_0000;

    @Test
    void goesAsHighAsPossiblePageAligned() {
        Initrd initrd = Initrd.place(0x1801, LOW_RAM_END, NO_LIMIT, KERNEL_END);
        assertEquals(LOW_RAM_END - 0x2000, initrd.address());
        assertEquals(0x1801, initrd.size());
    }

    @Test
    void endsAtOrBelowInitrdAddrMax() {
        Initrd initrd = Initrd.place(0x1000, LOW_RAM_END, 0x3ff_ffff, KERNEL_END);
        assertEquals(0x400_0000 - 0x1000, initrd.address());
        assertTrue(initrd.address() + initrd.size() - 1 <= 0x3ff_ffff);
    }

    @Test
    void mayEndExactlyAtTheKernel() {
        Initrd initrd = Initrd.place(LOW_RAM_END - KERNEL_END, LOW_RAM_END, NO_LIMIT, KERNEL_END);
        assertEquals(KERNEL_END, initrd.address());
    }

    @Test
    void neverOverlapsTheKernel() {
        var e = assertThrows(BootSetupException.class,
                () -> Initrd.place(LOW_RAM_END - KERNEL_END + 1, LOW_RAM_END, NO_LIMIT, KERNEL_END));
        assertTrue(e.getMessage().contains("does not fit between the kernel's end 0x2000000 and 0x8000000"),
                e.getMessage());
    }

    @Test
    void keepsClearOfTheFirstMegabyteEvenBelowASmallKernel() {
        assertThrows(BootSetupException.class, () -> Initrd.place(0x20_0000, 0x20_0000, NO_LIMIT, 0));
    }

    @Test
    void rejectsAnEmptyInitrd() {
        var e = assertThrows(BootSetupException.class, () -> Initrd.place(0, LOW_RAM_END, NO_LIMIT, KERNEL_END));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void rejectsAnInitrdLargerThanTheAddressSpaceBelowTheLimit() {
        assertThrows(BootSetupException.class, () -> Initrd.place(Long.MAX_VALUE, LOW_RAM_END, NO_LIMIT, KERNEL_END));
    }
}
