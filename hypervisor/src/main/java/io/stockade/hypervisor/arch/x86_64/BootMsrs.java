package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.kvm.MsrEntry;
import java.util.List;

/**
 * The model-specific registers every vCPU starts with, as a BIOS would leave them: no SYSENTER/SYSCALL targets, TSC
 * at 0, fast string operations enabled, and MTRRs enabled with write-back as the default memory type (otherwise
 * the guest would run everything uncached).
 */
public final class BootMsrs {
    static final int IA32_TSC = 0x10;
    static final int IA32_SYSENTER_CS = 0x174;
    static final int IA32_SYSENTER_ESP = 0x175;
    static final int IA32_SYSENTER_EIP = 0x176;
    static final int IA32_MISC_ENABLE = 0x1a0;
    static final int IA32_MTRR_DEF_TYPE = 0x2ff;
    static final int STAR = 0xc000_0081;
    static final int LSTAR = 0xc000_0082;
    static final int CSTAR = 0xc000_0083;
    static final int SYSCALL_MASK = 0xc000_0084;
    static final int KERNEL_GS_BASE = 0xc000_0102;

    static final long MISC_ENABLE_FAST_STRING = 1;
    static final long MTRR_ENABLE = 1L << 11;
    static final long MTRR_TYPE_WRITE_BACK = 6;

    private static final List<MsrEntry> ENTRIES = List.of(
            new MsrEntry(IA32_SYSENTER_CS, 0),
            new MsrEntry(IA32_SYSENTER_ESP, 0),
            new MsrEntry(IA32_SYSENTER_EIP, 0),
            new MsrEntry(STAR, 0),
            new MsrEntry(CSTAR, 0),
            new MsrEntry(KERNEL_GS_BASE, 0),
            new MsrEntry(SYSCALL_MASK, 0),
            new MsrEntry(LSTAR, 0),
            new MsrEntry(IA32_TSC, 0),
            new MsrEntry(IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING),
            new MsrEntry(IA32_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRITE_BACK));

    private BootMsrs() {}

    /** The boot MSR values, for {@code Vcpu.setMsrs}; the same for every vCPU. */
    public static List<MsrEntry> entries() {
        return ENTRIES;
    }
}
