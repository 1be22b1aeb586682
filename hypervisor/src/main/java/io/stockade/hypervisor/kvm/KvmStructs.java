package io.stockade.hypervisor.kvm;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.util.stream.Stream;

import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Hand-written FFM layouts of the linux/kvm.h structs the VMM passes to KVM (x86-64). Field names follow the C
 * names so that the layout test can compare every size and offset with what gcc computes from the real header.
 */
final class KvmStructs {
    private KvmStructs() {}

    static final StructLayout KVM_REGS = structLayout(Stream.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp",
                    "rbp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags")
            .map(JAVA_LONG::withName).toArray(MemoryLayout[]::new)).withName("kvm_regs");

    static final StructLayout KVM_SEGMENT = structLayout(
            JAVA_LONG.withName("base"), JAVA_INT.withName("limit"), JAVA_SHORT.withName("selector"),
            JAVA_BYTE.withName("type"), JAVA_BYTE.withName("present"), JAVA_BYTE.withName("dpl"),
            JAVA_BYTE.withName("db"), JAVA_BYTE.withName("s"), JAVA_BYTE.withName("l"), JAVA_BYTE.withName("g"),
            JAVA_BYTE.withName("avl"), JAVA_BYTE.withName("unusable"), JAVA_BYTE.withName("padding"))
            .withName("kvm_segment");

    static final StructLayout KVM_DTABLE = structLayout(
            JAVA_LONG.withName("base"), JAVA_SHORT.withName("limit"), sequenceLayout(3, JAVA_SHORT).withName("padding"))
            .withName("kvm_dtable");

    static final StructLayout KVM_SREGS = structLayout(
            KVM_SEGMENT.withName("cs"), KVM_SEGMENT.withName("ds"), KVM_SEGMENT.withName("es"),
            KVM_SEGMENT.withName("fs"), KVM_SEGMENT.withName("gs"), KVM_SEGMENT.withName("ss"),
            KVM_SEGMENT.withName("tr"), KVM_SEGMENT.withName("ldt"),
            KVM_DTABLE.withName("gdt"), KVM_DTABLE.withName("idt"),
            JAVA_LONG.withName("cr0"), JAVA_LONG.withName("cr2"), JAVA_LONG.withName("cr3"), JAVA_LONG.withName("cr4"),
            JAVA_LONG.withName("cr8"), JAVA_LONG.withName("efer"), JAVA_LONG.withName("apic_base"),
            sequenceLayout(SpecialRegisters.INTERRUPT_BITMAP_LONGS, JAVA_LONG).withName("interrupt_bitmap"))
            .withName("kvm_sregs");

    static final StructLayout KVM_FPU = structLayout(
            sequenceLayout(8, sequenceLayout(16, JAVA_BYTE)).withName("fpr"),
            JAVA_SHORT.withName("fcw"), JAVA_SHORT.withName("fsw"), JAVA_BYTE.withName("ftwx"), JAVA_BYTE.withName("pad1"),
            JAVA_SHORT.withName("last_opcode"), JAVA_LONG.withName("last_ip"), JAVA_LONG.withName("last_dp"),
            sequenceLayout(16, sequenceLayout(16, JAVA_BYTE)).withName("xmm"),
            JAVA_INT.withName("mxcsr"), JAVA_INT.withName("pad2"))
            .withName("kvm_fpu");

    static final StructLayout KVM_MSR_ENTRY = structLayout(
            JAVA_INT.withName("index"), JAVA_INT.withName("reserved"), JAVA_LONG.withName("data"))
            .withName("kvm_msr_entry");

    /** {@code struct kvm_msrs}: a header and a flexible array of {@link #KVM_MSR_ENTRY}. */
    static final StructLayout KVM_MSRS = structLayout(JAVA_INT.withName("nmsrs"), JAVA_INT.withName("pad"),
            sequenceLayout(0, KVM_MSR_ENTRY).withName("entries"))
            .withName("kvm_msrs");

    static final StructLayout KVM_CPUID_ENTRY2 = structLayout(
            JAVA_INT.withName("function"), JAVA_INT.withName("index"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("eax"), JAVA_INT.withName("ebx"), JAVA_INT.withName("ecx"), JAVA_INT.withName("edx"),
            sequenceLayout(3, JAVA_INT).withName("padding"))
            .withName("kvm_cpuid_entry2");

    /** {@code struct kvm_cpuid2}: a header and a flexible array of {@link #KVM_CPUID_ENTRY2}. */
    static final StructLayout KVM_CPUID2 = structLayout(JAVA_INT.withName("nent"), JAVA_INT.withName("padding"),
            sequenceLayout(0, KVM_CPUID_ENTRY2).withName("entries"))
            .withName("kvm_cpuid2");

    static final StructLayout KVM_XCR = structLayout(
            JAVA_INT.withName("xcr"), JAVA_INT.withName("reserved"), JAVA_LONG.withName("value"))
            .withName("kvm_xcr");

    /** {@code KVM_MAX_XCRS}: the fixed capacity of {@link #KVM_XCRS}. */
    static final int MAX_XCRS = 16;
    static final StructLayout KVM_XCRS = structLayout(
            JAVA_INT.withName("nr_xcrs"), JAVA_INT.withName("flags"),
            sequenceLayout(MAX_XCRS, KVM_XCR).withName("xcrs"), sequenceLayout(16, JAVA_LONG).withName("padding"))
            .withName("kvm_xcrs");

    static final long LAPIC_STATE_BYTES = 1024;
    static final StructLayout KVM_LAPIC_STATE =
            structLayout(sequenceLayout(LAPIC_STATE_BYTES, JAVA_BYTE).withName("regs")).withName("kvm_lapic_state");

    static final long IRQCHIP_STATE_BYTES = 512;
    static final StructLayout KVM_IRQCHIP = structLayout(
            JAVA_INT.withName("chip_id"), JAVA_INT.withName("pad"),
            sequenceLayout(IRQCHIP_STATE_BYTES, JAVA_BYTE).withName("chip"))
            .withName("kvm_irqchip");

    static final StructLayout KVM_PIT_CONFIG = structLayout(
            JAVA_INT.withName("flags"), sequenceLayout(15, JAVA_INT).withName("pad"))
            .withName("kvm_pit_config");

    static final StructLayout KVM_IRQ_LEVEL = structLayout(JAVA_INT.withName("irq"), JAVA_INT.withName("level"))
            .withName("kvm_irq_level");

    static final StructLayout KVM_IRQFD = structLayout(
            JAVA_INT.withName("fd"), JAVA_INT.withName("gsi"), JAVA_INT.withName("flags"),
            JAVA_INT.withName("resamplefd"), sequenceLayout(16, JAVA_BYTE).withName("pad"))
            .withName("kvm_irqfd");

    static final StructLayout KVM_IOEVENTFD = structLayout(
            JAVA_LONG.withName("datamatch"), JAVA_LONG.withName("addr"), JAVA_INT.withName("len"),
            JAVA_INT.withName("fd"), JAVA_INT.withName("flags"), sequenceLayout(36, JAVA_BYTE).withName("pad"))
            .withName("kvm_ioeventfd");

    static final StructLayout KVM_USERSPACE_MEMORY_REGION = structLayout(
            JAVA_INT.withName("slot"), JAVA_INT.withName("flags"), JAVA_LONG.withName("guest_phys_addr"),
            JAVA_LONG.withName("memory_size"), JAVA_LONG.withName("userspace_addr"))
            .withName("kvm_userspace_memory_region");

    /** {@code struct kvm_signal_mask}: {@code len} and then that many bytes of kernel sigset, unaligned. */
    static final StructLayout KVM_SIGNAL_MASK = structLayout(JAVA_INT.withName("len"),
            sequenceLayout(0, JAVA_BYTE).withName("sigset")).withName("kvm_signal_mask");

    /** The kernel's sigset on x86-64: 64 signals. */
    static final long KERNEL_SIGSET_BYTES = 8;

    // The exit-specific members of kvm_run's anonymous union (only those the VMM decodes).
    static final StructLayout RUN_IO = structLayout(
            JAVA_BYTE.withName("direction"), JAVA_BYTE.withName("size"), JAVA_SHORT.withName("port"),
            JAVA_INT.withName("count"), JAVA_LONG.withName("data_offset"));
    static final StructLayout RUN_MMIO = structLayout(
            JAVA_LONG.withName("phys_addr"), sequenceLayout(8, JAVA_BYTE).withName("data"), JAVA_INT.withName("len"),
            JAVA_BYTE.withName("is_write"), paddingLayout(3));
    static final int SYSTEM_EVENT_MAX_DATA = 16;
    static final StructLayout RUN_SYSTEM_EVENT = structLayout(
            JAVA_INT.withName("type"), JAVA_INT.withName("ndata"),
            sequenceLayout(SYSTEM_EVENT_MAX_DATA, JAVA_LONG).withName("data"));
    static final int INTERNAL_MAX_DATA = 16;
    static final StructLayout RUN_INTERNAL = structLayout(
            JAVA_INT.withName("suberror"), JAVA_INT.withName("ndata"),
            sequenceLayout(INTERNAL_MAX_DATA, JAVA_LONG).withName("data"));
    static final StructLayout RUN_FAIL_ENTRY = structLayout(
            JAVA_LONG.withName("hardware_entry_failure_reason"), JAVA_INT.withName("cpu"), paddingLayout(4));
    private static final UnionLayout RUN_EXIT_UNION = MemoryLayout.unionLayout(
            RUN_IO.withName("io"), RUN_MMIO.withName("mmio"), RUN_SYSTEM_EVENT.withName("system_event"),
            RUN_INTERNAL.withName("internal"), RUN_FAIL_ENTRY.withName("fail_entry"),
            sequenceLayout(256, JAVA_BYTE).withName("padding"));

    static final StructLayout KVM_RUN = structLayout(
            JAVA_BYTE.withName("request_interrupt_window"), JAVA_BYTE.withName("immediate_exit"),
            sequenceLayout(6, JAVA_BYTE).withName("padding1"),
            JAVA_INT.withName("exit_reason"), JAVA_BYTE.withName("ready_for_interrupt_injection"),
            JAVA_BYTE.withName("if_flag"), JAVA_SHORT.withName("flags"),
            JAVA_LONG.withName("cr8"), JAVA_LONG.withName("apic_base"),
            RUN_EXIT_UNION.withName("exit"),
            JAVA_LONG.withName("kvm_valid_regs"), JAVA_LONG.withName("kvm_dirty_regs"),
            sequenceLayout(2048, JAVA_BYTE).withName("s"))
            .withName("kvm_run");

    /** Every layout the oracle test checks, by C struct name. */
    static final java.util.List<StructLayout> ALL = java.util.List.of(KVM_REGS, KVM_SEGMENT, KVM_DTABLE, KVM_SREGS,
            KVM_FPU, KVM_MSR_ENTRY, KVM_MSRS, KVM_CPUID_ENTRY2, KVM_CPUID2, KVM_XCR, KVM_XCRS, KVM_LAPIC_STATE, KVM_IRQCHIP, KVM_PIT_CONFIG,
            KVM_IRQ_LEVEL, KVM_IRQFD, KVM_IOEVENTFD, KVM_USERSPACE_MEMORY_REGION, KVM_SIGNAL_MASK, KVM_RUN);

    /** The byte offset of a (possibly nested) field, e.g. {@code offset(KVM_RUN, "exit", "io", "port")}. */
    static long offset(StructLayout layout, String... path) {
        return layout.byteOffset(Stream.of(path).map(MemoryLayout.PathElement::groupElement)
                .toArray(MemoryLayout.PathElement[]::new));
    }

}
