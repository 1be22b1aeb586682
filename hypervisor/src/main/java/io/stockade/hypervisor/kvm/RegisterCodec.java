package io.stockade.hypervisor.kvm;

import java.lang.foreign.MemorySegment;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_DTABLE;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_REGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SEGMENT;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SREGS;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/** Converts {@link Registers} and {@link SpecialRegisters} to and from {@code kvm_regs} / {@code kvm_sregs}. */
final class RegisterCodec {
    private static final String[] SEGMENTS = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};

    private RegisterCodec() {}

    static Registers readRegisters(MemorySegment regs) {
        long[] r = regs.asSlice(0, KVM_REGS.byteSize()).toArray(JAVA_LONG);
        return new Registers(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                r[14], r[15], r[16], r[17]);
    }

    static void writeRegisters(Registers r, MemorySegment regs) {
        long[] values = {r.rax(), r.rbx(), r.rcx(), r.rdx(), r.rsi(), r.rdi(), r.rsp(), r.rbp(), r.r8(), r.r9(),
                r.r10(), r.r11(), r.r12(), r.r13(), r.r14(), r.r15(), r.rip(), r.rflags()};
        MemorySegment.copy(values, 0, regs, JAVA_LONG, 0, values.length);
    }

    static SpecialRegisters readSpecialRegisters(MemorySegment sregs) {
        Segment[] s = new Segment[SEGMENTS.length];
        for (int i = 0; i < SEGMENTS.length; i++) {
            s[i] = readSegment(sregs.asSlice(offset(KVM_SREGS, SEGMENTS[i]), KVM_SEGMENT.byteSize()));
        }
        long[] bitmap = new long[SpecialRegisters.INTERRUPT_BITMAP_LONGS];
        MemorySegment.copy(sregs, JAVA_LONG, offset(KVM_SREGS, "interrupt_bitmap"), bitmap, 0, bitmap.length);
        return new SpecialRegisters(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7],
                readTable(sregs, "gdt"), readTable(sregs, "idt"),
                sregs.get(JAVA_LONG, offset(KVM_SREGS, "cr0")), sregs.get(JAVA_LONG, offset(KVM_SREGS, "cr2")),
                sregs.get(JAVA_LONG, offset(KVM_SREGS, "cr3")), sregs.get(JAVA_LONG, offset(KVM_SREGS, "cr4")),
                sregs.get(JAVA_LONG, offset(KVM_SREGS, "cr8")), sregs.get(JAVA_LONG, offset(KVM_SREGS, "efer")),
                sregs.get(JAVA_LONG, offset(KVM_SREGS, "apic_base")), bitmap);
    }

    static void writeSpecialRegisters(SpecialRegisters r, MemorySegment sregs) {
        Segment[] s = {r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt()};
        for (int i = 0; i < SEGMENTS.length; i++) {
            writeSegment(s[i], sregs.asSlice(offset(KVM_SREGS, SEGMENTS[i]), KVM_SEGMENT.byteSize()));
        }
        writeTable(r.gdt(), sregs, "gdt");
        writeTable(r.idt(), sregs, "idt");
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "cr0"), r.cr0());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "cr2"), r.cr2());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "cr3"), r.cr3());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "cr4"), r.cr4());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "cr8"), r.cr8());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "efer"), r.efer());
        sregs.set(JAVA_LONG, offset(KVM_SREGS, "apic_base"), r.apicBase());
        MemorySegment.copy(r.interruptBitmap(), 0, sregs, JAVA_LONG, offset(KVM_SREGS, "interrupt_bitmap"),
                SpecialRegisters.INTERRUPT_BITMAP_LONGS);
    }

    private static Segment readSegment(MemorySegment s) {
        return new Segment(s.get(JAVA_LONG, offset(KVM_SEGMENT, "base")), s.get(JAVA_INT, offset(KVM_SEGMENT, "limit")),
                s.get(JAVA_SHORT, offset(KVM_SEGMENT, "selector")), s.get(JAVA_BYTE, offset(KVM_SEGMENT, "type")),
                s.get(JAVA_BYTE, offset(KVM_SEGMENT, "present")), s.get(JAVA_BYTE, offset(KVM_SEGMENT, "dpl")),
                s.get(JAVA_BYTE, offset(KVM_SEGMENT, "db")), s.get(JAVA_BYTE, offset(KVM_SEGMENT, "s")),
                s.get(JAVA_BYTE, offset(KVM_SEGMENT, "l")), s.get(JAVA_BYTE, offset(KVM_SEGMENT, "g")),
                s.get(JAVA_BYTE, offset(KVM_SEGMENT, "avl")), s.get(JAVA_BYTE, offset(KVM_SEGMENT, "unusable")));
    }

    private static void writeSegment(Segment v, MemorySegment s) {
        s.set(JAVA_LONG, offset(KVM_SEGMENT, "base"), v.base());
        s.set(JAVA_INT, offset(KVM_SEGMENT, "limit"), v.limit());
        s.set(JAVA_SHORT, offset(KVM_SEGMENT, "selector"), v.selector());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "type"), v.type());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "present"), v.present());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "dpl"), v.dpl());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "db"), v.db());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "s"), v.s());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "l"), v.l());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "g"), v.g());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "avl"), v.avl());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "unusable"), v.unusable());
        s.set(JAVA_BYTE, offset(KVM_SEGMENT, "padding"), (byte) 0);
    }

    private static DescriptorTable readTable(MemorySegment sregs, String name) {
        long at = offset(KVM_SREGS, name);
        return new DescriptorTable(sregs.get(JAVA_LONG, at + offset(KVM_DTABLE, "base")),
                sregs.get(JAVA_SHORT, at + offset(KVM_DTABLE, "limit")));
    }

    private static void writeTable(DescriptorTable t, MemorySegment sregs, String name) {
        long at = offset(KVM_SREGS, name);
        sregs.set(JAVA_LONG, at + offset(KVM_DTABLE, "base"), t.base());
        sregs.set(JAVA_SHORT, at + offset(KVM_DTABLE, "limit"), t.limit());
    }
}
