package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.kvm.DescriptorTable;
import io.stockade.hypervisor.kvm.Segment;
import io.stockade.hypervisor.kvm.SpecialRegisters;
import io.stockade.hypervisor.memory.GuestMemory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BootStateTest {
    /** What KVM_GET_SREGS returns for a fresh vCPU: real mode, CR0 = CD|NW|ET, APIC enabled as BSP. */
    private static final Segment REAL_MODE = new Segment(0, 0xffff, (short) 0, (byte) 3, (byte) 1, (byte) 0,
            (byte) 0, (byte) 1, (byte) 0, (byte) 0, (byte) 0, (byte) 0);
    private static final Segment UNUSABLE_LDT = new Segment(0, 0xffff, (short) 0, (byte) 2, (byte) 1, (byte) 0,
            (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 0);
    private static final SpecialRegisters FRESH = new SpecialRegisters(REAL_MODE, REAL_MODE, REAL_MODE, REAL_MODE,
            REAL_MODE, REAL_MODE, REAL_MODE, UNUSABLE_LDT, new DescriptorTable(0, (short) 0xffff),
            new DescriptorTable(0, (short) 0xffff), 0x6000_0010L, 0x1234, 0, 0, 5, 0, 0xfee0_0900L,
            new long[] {0, 1L << 33, 0, 0});

    private final GuestMemory memory = GuestMemory.ofHeap(MemoryLayout.ramRegions(MemoryLayout.MIN_RAM_BYTES));
    private final SpecialRegisters sregs = BootState.longModeSpecialRegisters(FRESH);

    @AfterEach
    void close() {
        memory.close();
    }

    /** Decodes the descriptor a selector names, straight from guest memory, the way the CPU would. */
    private Segment descriptorInGuest(short selector) {
        long gdtr = sregs.gdt().base();
        int index = selector >>> 3;
        assertEquals(true, index * 8 + 7 <= sregs.gdt().limit(), "selector 0x" + Integer.toHexString(selector)
                + " within the GDT limit");
        long d = memory.readLong(gdtr + index * 8L);
        long base = ((d >>> 16) & 0xff_ffff) | (((d >>> 56) & 0xff) << 24);
        long limit = (d & 0xffff) | (((d >>> 48) & 0xf) << 16);
        int g = (int) ((d >>> 55) & 1);
        if (g == 1) {
            limit = (limit << 12) | 0xfff;
        }
        int present = (int) ((d >>> 47) & 1);
        return new Segment(base, (int) limit, selector, (byte) ((d >>> 40) & 0xf), (byte) present,
                (byte) ((d >>> 45) & 3), (byte) ((d >>> 54) & 1), (byte) ((d >>> 44) & 1), (byte) ((d >>> 53) & 1),
                (byte) g, (byte) ((d >>> 52) & 1), (byte) (present == 0 ? 1 : 0));
    }

    @Test
    void gdtHasTheConventionalFlatDescriptors() {
        Gdt.write(memory);
        assertEquals(0, memory.readLong(0x500));
        assertEquals(0x00af_9b00_0000_ffffL, memory.readLong(0x508), "64-bit code");
        assertEquals(0x00cf_9300_0000_ffffL, memory.readLong(0x510), "data");
        assertEquals(0x008f_8b00_0000_ffffL, memory.readLong(0x518), "TSS");
        assertEquals(0, memory.readLong(0x520), "empty IDT");
    }

    @Test
    void segmentRegistersMatchTheDescriptorsTheirSelectorsName() {
        Gdt.write(memory);
        for (Segment s : new Segment[] {sregs.cs(), sregs.ds(), sregs.es(), sregs.fs(), sregs.gs(), sregs.ss(),
                sregs.tr()}) {
            assertEquals(descriptorInGuest(s.selector()), s);
        }
    }

    @Test
    void codeIsLongModeAndDataIsFlatReadWrite() {
        assertEquals(0x08, sregs.cs().selector());
        assertEquals(1, sregs.cs().l());
        assertEquals(0, sregs.cs().db(), "L=1 requires D=0");
        assertEquals(0xb, sregs.cs().type(), "execute/read, accessed");
        assertEquals(0x10, sregs.ds().selector());
        assertEquals(0x3, sregs.ds().type(), "read/write, accessed");
        assertEquals(0xffff_ffff, sregs.ds().limit());
        for (Segment s : new Segment[] {sregs.ds(), sregs.es(), sregs.fs(), sregs.gs(), sregs.ss()}) {
            assertEquals(sregs.ds(), s);
        }
        assertEquals(0x18, sregs.tr().selector());
        assertEquals(0xb, sregs.tr().type(), "busy 64-bit TSS");
        assertEquals(0, sregs.tr().s(), "system descriptor");
    }

    @Test
    void descriptorTablesPointAtTheBootGdtAndIdt() {
        assertEquals(new DescriptorTable(0x500, (short) 31), sregs.gdt());
        assertEquals(new DescriptorTable(0x520, (short) 7), sregs.idt());
    }

    @Test
    void pagingAndLongModeAreOn() {
        assertEquals(0x9000, sregs.cr3());
        assertEquals(0x8000_0011L, sregs.cr0(), "PG | ET | PE, caches enabled (CD/NW cleared)");
        assertEquals(0x20, sregs.cr4() & 0x20, "PAE");
        assertEquals(0x500, sregs.efer(), "LME | LMA");
    }

    @Test
    void keepsWhatTheBootSetupDoesNotOwn() {
        assertEquals(FRESH.apicBase(), sregs.apicBase());
        assertEquals(FRESH.cr2(), sregs.cr2());
        assertEquals(FRESH.cr8(), sregs.cr8());
        assertEquals(FRESH.ldt(), sregs.ldt());
        assertArrayEquals(FRESH.interruptBitmap(), sregs.interruptBitmap());
    }
}
