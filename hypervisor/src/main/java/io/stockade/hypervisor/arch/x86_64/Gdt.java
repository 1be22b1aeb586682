package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.kvm.Segment;
import io.stockade.hypervisor.memory.GuestMemory;

/**
 * The boot GDT and its decoding into KVM segment registers. Same layout as Firecracker and crosvm: 0 null,
 * 1 flat 64-bit code (selector 0x08), 2 flat data (selector 0x10), 3 busy 64-bit TSS (selector 0x18). The selectors
 * loaded into the segment registers are derived from these same entries, so the two cannot disagree.
 */
final class Gdt {
    static final int CODE_INDEX = 1;
    static final int DATA_INDEX = 2;
    static final int TSS_INDEX = 3;

    /** The table, entry by entry: flags, base 0, limit 0xfffff. */
    private static final long[] ENTRIES = {
            0,
            entry(0xa09b, 0, 0xfffff), // code: present, DPL 0, exec/read, accessed; L=1, G=1
            entry(0xc093, 0, 0xfffff), // data: present, DPL 0, read/write, accessed; D/B=1, G=1
            entry(0x808b, 0, 0xfffff), // TSS: present, busy 64-bit TSS; G=1
    };
    /** GDTR/IDTR limits are the table size minus one. */
    static final int LIMIT = ENTRIES.length * 8 - 1;
    static final int IDT_LIMIT = 8 - 1;

    private Gdt() {}

    /**
     * Encodes a descriptor. {@code flags} packs the access byte (bits 7:0) and the G/DB/L/AVL nibble (bits 15:12)
     * as in Linux's {@code GDT_ENTRY()} macro.
     */
    static long entry(int flags, long base, long limit) {
        return ((base & 0xff00_0000L) << (56 - 24))
                | (((long) flags & 0xf0ffL) << 40)
                | ((limit & 0xf_0000L) << (48 - 16))
                | ((base & 0x00ff_ffffL) << 16)
                | (limit & 0xffffL);
    }

    /** Decodes descriptor {@code entry} at table {@code index} into the segment register KVM expects. */
    static Segment segment(long entry, int index) {
        long base = ((entry >>> 32) & 0xff00_0000L) | ((entry >>> 16) & 0x00ff_ffffL);
        long rawLimit = ((entry >>> 32) & 0xf_0000L) | (entry & 0xffffL);
        byte g = bit(entry, 55);
        // With G=1 the limit counts 4 KiB pages; KVM wants it in bytes.
        long limit = g == 1 ? (rawLimit << 12) | 0xfff : rawLimit;
        byte present = bit(entry, 47);
        return new Segment(base, (int) limit, (short) (index * 8), (byte) ((entry >>> 40) & 0xf), present,
                (byte) ((entry >>> 45) & 0x3), bit(entry, 54), bit(entry, 44), bit(entry, 53), g, bit(entry, 52),
                (byte) (present == 0 ? 1 : 0));
    }

    /** The raw descriptor at {@code index}. */
    static long descriptor(int index) {
        return ENTRIES[index];
    }

    static int entryCount() {
        return ENTRIES.length;
    }

    static Segment code() {
        return segment(ENTRIES[CODE_INDEX], CODE_INDEX);
    }

    static Segment data() {
        return segment(ENTRIES[DATA_INDEX], DATA_INDEX);
    }

    static Segment tss() {
        return segment(ENTRIES[TSS_INDEX], TSS_INDEX);
    }

    /** Writes the GDT and an empty IDT. */
    static void write(GuestMemory memory) {
        for (int i = 0; i < ENTRIES.length; i++) {
            memory.writeLong(MemoryLayout.GDT_ADDRESS + i * 8L, ENTRIES[i]);
        }
        memory.writeLong(MemoryLayout.IDT_ADDRESS, 0);
    }

    private static byte bit(long entry, int bit) {
        return (byte) ((entry >>> bit) & 1);
    }
}
