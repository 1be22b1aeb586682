package io.stockade.hypervisor.kvm;

import java.util.Arrays;

/**
 * A vCPU's segment, descriptor-table and control registers ({@code struct kvm_sregs}).
 *
 * @param interruptBitmap the 256-bit pending external interrupt bitmap as 4 longs; copied on the way in and out
 */
public record SpecialRegisters(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
                               Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
                               long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase,
                               long[] interruptBitmap) {
    /** Number of longs in {@link #interruptBitmap()}. */
    public static final int INTERRUPT_BITMAP_LONGS = 4;

    public SpecialRegisters {
        if (interruptBitmap.length != INTERRUPT_BITMAP_LONGS) {
            throw new IllegalArgumentException("interrupt bitmap needs " + INTERRUPT_BITMAP_LONGS + " longs, got "
                    + interruptBitmap.length);
        }
        interruptBitmap = interruptBitmap.clone();
    }

    @Override
    public long[] interruptBitmap() {
        return interruptBitmap.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SpecialRegisters that
                && cs.equals(that.cs) && ds.equals(that.ds) && es.equals(that.es) && fs.equals(that.fs)
                && gs.equals(that.gs) && ss.equals(that.ss) && tr.equals(that.tr) && ldt.equals(that.ldt)
                && gdt.equals(that.gdt) && idt.equals(that.idt)
                && cr0 == that.cr0 && cr2 == that.cr2 && cr3 == that.cr3 && cr4 == that.cr4 && cr8 == that.cr8
                && efer == that.efer && apicBase == that.apicBase
                && Arrays.equals(interruptBitmap, that.interruptBitmap);
    }

    @Override
    public int hashCode() {
        int h = java.util.Objects.hash(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
        return 31 * h + Arrays.hashCode(interruptBitmap);
    }

    @Override
    public String toString() {
        return "SpecialRegisters[cs=" + cs + ", ds=" + ds + ", es=" + es + ", fs=" + fs + ", gs=" + gs + ", ss=" + ss
                + ", tr=" + tr + ", ldt=" + ldt + ", gdt=" + gdt + ", idt=" + idt
                + ", cr0=0x" + Long.toHexString(cr0) + ", cr2=0x" + Long.toHexString(cr2)
                + ", cr3=0x" + Long.toHexString(cr3) + ", cr4=0x" + Long.toHexString(cr4)
                + ", cr8=0x" + Long.toHexString(cr8) + ", efer=0x" + Long.toHexString(efer)
                + ", apicBase=0x" + Long.toHexString(apicBase)
                + ", interruptBitmap=" + Arrays.toString(interruptBitmap) + "]";
    }
}
