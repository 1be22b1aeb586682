package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.kvm.DescriptorTable;
import io.stockade.hypervisor.kvm.Registers;
import io.stockade.hypervisor.kvm.SpecialRegisters;
import java.util.Objects;

/**
 * What {@link BootSetup} leaves for the VMM to program into the boot vCPU: its general registers (entry point,
 * zero page in {@code rsi}, stack) and where the page tables, GDT and IDT are. Application processors need none of
 * this: the in-kernel LAPIC starts them with INIT/SIPI; they only get CPUID, MSRs and LAPIC LINT setup.
 */
public record BootState(Registers bootRegisters, long pageTableRoot, long gdtBase, int gdtLimit, long idtBase,
                        int idtLimit, long zeroPageAddress, KernelImage kernel) {
    /** Initial x87 control word (all exceptions masked, extended precision), for {@code Vcpu.setFpu}. */
    public static final int FPU_CONTROL_WORD = 0x37f;
    /** Initial MXCSR (all SSE exceptions masked), for {@code Vcpu.setFpu}. */
    public static final int MXCSR = 0x1f80;

    static final long CR0_PE = 1L;
    static final long CR0_ET = 1L << 4;
    static final long CR0_NW = 1L << 29;
    static final long CR0_CD = 1L << 30;
    static final long CR0_PG = 1L << 31;
    static final long CR4_PAE = 1L << 5;
    static final long EFER_LME = 1L << 8;
    static final long EFER_LMA = 1L << 10;

    public BootState {
        Objects.requireNonNull(bootRegisters, "bootRegisters");
        Objects.requireNonNull(kernel, "kernel");
    }

    /**
     * The boot vCPU's special registers for the 64-bit entry, derived from what KVM reports for a fresh vCPU
     * ({@code current}): flat code/data segments and the TSS from the boot GDT, GDTR/IDTR, paging on (CR3 = the
     * identity map, CR4.PAE, CR0.PG|PE|ET with the caches enabled) and long mode active (EFER.LME|LMA). Everything
     * else (CR2, CR8, APIC base, LDT, pending interrupts) is kept.
     */
    public static SpecialRegisters longModeSpecialRegisters(SpecialRegisters current) {
        var code = Gdt.code();
        var data = Gdt.data();
        long cr0 = (current.cr0() & ~(CR0_CD | CR0_NW)) | CR0_PE | CR0_ET | CR0_PG;
        return new SpecialRegisters(code, data, data, data, data, data, Gdt.tss(), current.ldt(),
                new DescriptorTable(MemoryLayout.GDT_ADDRESS, (short) Gdt.LIMIT),
                new DescriptorTable(MemoryLayout.IDT_ADDRESS, (short) Gdt.IDT_LIMIT),
                cr0, current.cr2(), MemoryLayout.PML4_ADDRESS, current.cr4() | CR4_PAE, current.cr8(),
                current.efer() | EFER_LME | EFER_LMA, current.apicBase(), current.interruptBitmap());
    }
}
