package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.kvm.CpuidEntry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Turns what KVM can virtualize ({@code KVM_GET_SUPPORTED_CPUID}) into the CPUID one vCPU shows its guest: its own
 * APIC id, a topology of one socket with one single-threaded core per vCPU, the hypervisor bit and KVM's paravirt
 * signature, and no power management or performance counters the VMM does not emulate. A pure function; every
 * leaf not mentioned here is passed through as KVM reported it.
 */
public final class Cpuid {
    static final int LEAF_VENDOR = 0x0;
    static final int LEAF_FEATURES = 0x1;
    static final int LEAF_CACHE_PARAMETERS = 0x4;
    static final int LEAF_POWER_MANAGEMENT = 0x6;
    static final int LEAF_PERFORMANCE_MONITORING = 0xa;
    static final int LEAF_STRUCTURED_EXTENDED_FEATURES = 0x7;
    static final int LEAF_XSAVE = 0xd;
    static final int LEAF_EXTENDED_TOPOLOGY = 0xb;
    static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1f;
    static final int LEAF_KVM_SIGNATURE = 0x4000_0000;
    static final int LEAF_KVM_FEATURES = 0x4000_0001;
    static final int LEAF_AMD_SIZE_IDENTIFIERS = 0x8000_0008;
    static final int LEAF_AMD_TOPOLOGY = 0x8000_001e;

    static final int ECX_HYPERVISOR = 1 << 31;
    static final int EDX_HTT = 1 << 28;
    static final int EAX_ARAT = 1 << 2;
    static final int ECX_XSAVE = 1 << 26;
    static final int ECX_AVX = 1 << 28;
    static final int EBX_MPX = 1 << 14;
    static final int EBX_AVX512F = 1 << 16;
    static final int ECX_PKU = 1 << 3;
    static final int EDX_AMX_TILE = 1 << 24;
    /** CLFLUSH line size in 8-byte units: 64-byte cache lines. */
    static final int CLFLUSH_LINE_SIZE = 8;
    static final int TOPOLOGY_LEVEL_SMT = 1;
    static final int TOPOLOGY_LEVEL_CORE = 2;
    /** "KVMKVMKVM\0\0\0" as EBX, ECX, EDX. */
    static final int KVM_SIGNATURE_EBX = 0x4b4d564b;
    static final int KVM_SIGNATURE_ECX = 0x564b4d56;
    static final int KVM_SIGNATURE_EDX = 0x4d;

    private Cpuid() {}

    /**
     * The CPUID table for vCPU {@code vcpuId} of {@code vcpuCount}.
     *
     * @throws IllegalArgumentException if {@code vcpuId} is not in [0, vcpuCount) or {@code vcpuCount} is not in
     *     [1, {@link BootConfig#MAX_VCPUS}]
     */
    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int vcpuId, int vcpuCount) {
        if (vcpuCount < 1 || vcpuCount > BootConfig.MAX_VCPUS || vcpuId < 0 || vcpuId >= vcpuCount) {
            throw new IllegalArgumentException("vCPU " + vcpuId + " of " + vcpuCount + ": id must be in [0, count) and"
                    + " count in [1, " + BootConfig.MAX_VCPUS + "]");
        }
        Topology topology = new Topology(vcpuId, vcpuCount, isAmd(vendor(supported)));
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        for (CpuidEntry entry : supported) {
            result.add(topology.rewrite(entry));
        }
        return List.copyOf(result);
    }

    /**
     * The XCR0 that a Linux guest given this CPUID table programs with XSETBV while it boots, or empty if the table
     * offers no XSAVE. That is the state components leaf 0xD sub-leaf 0 offers, of those Linux manages for user
     * space (x87, SSE, AVX, MPX, AVX-512, PKRU, AMX), each only if its feature flag is present too.
     *
     * <p>Why the VMM presets it with KVM_SET_XCRS: KVM answers CPUID 0xD's "XSAVE area size for the enabled
     * features" from its own copy of XCR0, which it updates when it intercepts the guest's XSETBV. On real hardware
     * it always does. QEMU's TCG before 8.2 ("target/i386: check intercept for XSETBV") ignores the SVM XSETBV
     * intercept, so in our nested-KVM L1 tier KVM never sees the guest's XSETBV, keeps XCR0 at x87 only (576
     * bytes) and Linux rejects XSAVE ("XSAVE consistency problem: size 832 != kernel_size 576"). Presetting the
     * value Linux will write makes KVM's copy right from the start; the guest's own XSETBV then changes nothing,
     * intercepted or not. Should a guest kernel enable a different set (e.g. one built without protection keys),
     * its size check sees the mismatch and it falls back to FXSAVE, as it did without the preset.
     */
    public static OptionalLong linuxXcr0(List<CpuidEntry> vcpuCpuid) {
        Optional<CpuidEntry> features = entry(vcpuCpuid, LEAF_FEATURES, 0);
        Optional<CpuidEntry> xsave = entry(vcpuCpuid, LEAF_XSAVE, 0);
        if (features.isEmpty() || (features.get().ecx() & ECX_XSAVE) == 0 || xsave.isEmpty()) {
            return OptionalLong.empty();
        }
        long offered = Integer.toUnsignedLong(xsave.get().eax()) | ((long) xsave.get().edx() << 32);
        CpuidEntry extended = entry(vcpuCpuid, LEAF_STRUCTURED_EXTENDED_FEATURES, 0)
                .orElse(new CpuidEntry(LEAF_STRUCTURED_EXTENDED_FEATURES, 0, 0, 0, 0, 0, 0));
        long wanted = XCR0_X87 | XCR0_SSE;
        if ((features.get().ecx() & ECX_AVX) != 0) {
            wanted |= XCR0_AVX;
        }
        if ((extended.ebx() & EBX_MPX) != 0) {
            wanted |= XCR0_MPX;
        }
        if ((extended.ebx() & EBX_AVX512F) != 0) {
            wanted |= XCR0_AVX512;
        }
        if ((extended.ecx() & ECX_PKU) != 0) {
            wanted |= XCR0_PKRU;
        }
        if ((extended.edx() & EDX_AMX_TILE) != 0) {
            wanted |= XCR0_AMX;
        }
        long xcr0 = offered & wanted;
        // KVM (like the CPU) refuses XCR0 without x87, and half of a group that must be enabled together.
        if ((xcr0 & XCR0_X87) == 0) {
            return OptionalLong.empty();
        }
        for (long group : new long[] {XCR0_MPX, XCR0_AVX512, XCR0_AMX}) {
            if ((xcr0 & group) != group) {
                xcr0 &= ~group;
            }
        }
        if ((xcr0 & XCR0_SSE) == 0) {
            xcr0 &= ~(XCR0_AVX | XCR0_AVX512);
        }
        if ((xcr0 & XCR0_AVX) == 0) {
            xcr0 &= ~XCR0_AVX512;
        }
        return OptionalLong.of(xcr0);
    }

    static final long XCR0_X87 = 1L;
    static final long XCR0_SSE = 1L << 1;
    static final long XCR0_AVX = 1L << 2;
    /** BNDREGS and BNDCSR. */
    static final long XCR0_MPX = 0b11L << 3;
    /** OPMASK, ZMM_Hi256 and Hi16_ZMM. */
    static final long XCR0_AVX512 = 0b111L << 5;
    static final long XCR0_PKRU = 1L << 9;
    /** XTILECFG and XTILEDATA. */
    static final long XCR0_AMX = 0b11L << 17;

    private static Optional<CpuidEntry> entry(List<CpuidEntry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst();
    }

    /** The 12-character vendor string of leaf 0 ("GenuineIntel", "AuthenticAMD", ...), empty if there is none. */
    static String vendor(List<CpuidEntry> entries) {
        for (CpuidEntry e : entries) {
            if (e.function() == LEAF_VENDOR) {
                ByteBuffer b = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(e.ebx()).putInt(e.edx()).putInt(e.ecx());
                return new String(b.array(), StandardCharsets.US_ASCII);
            }
        }
        return "";
    }

    private static boolean isAmd(String vendor) {
        return vendor.equals("AuthenticAMD") || vendor.equals("HygonGenuine");
    }

    /** One vCPU's place in the topology: APIC id = vCPU index, one thread per core, all cores in one package. */
    private record Topology(int vcpuId, int vcpuCount, boolean amd) {
        /** Bits of the APIC id that number the cores of the package. */
        int coreIdBits() {
            return 32 - Integer.numberOfLeadingZeros(vcpuCount - 1);
        }

        CpuidEntry rewrite(CpuidEntry e) {
            return switch (e.function()) {
                case LEAF_FEATURES -> features(e);
                case LEAF_CACHE_PARAMETERS -> cacheParameters(e);
                case LEAF_POWER_MANAGEMENT -> with(e, e.eax() & EAX_ARAT, 0, 0, 0);
                case LEAF_PERFORMANCE_MONITORING -> with(e, 0, 0, 0, 0);
                case LEAF_EXTENDED_TOPOLOGY, LEAF_EXTENDED_TOPOLOGY_V2 -> extendedTopology(e);
                case LEAF_KVM_SIGNATURE ->
                        with(e, LEAF_KVM_FEATURES, KVM_SIGNATURE_EBX, KVM_SIGNATURE_ECX, KVM_SIGNATURE_EDX);
                case LEAF_AMD_SIZE_IDENTIFIERS -> amd ? amdSizeIdentifiers(e) : e;
                case LEAF_AMD_TOPOLOGY -> amd ? amdTopology(e) : e;
                default -> e;
            };
        }

        private CpuidEntry features(CpuidEntry e) {
            int ebx = (vcpuId << 24) | (vcpuCount << 16) | (CLFLUSH_LINE_SIZE << 8) | (e.ebx() & 0xff);
            int ecx = e.ecx() | ECX_HYPERVISOR; // TSC-deadline and the rest stay as KVM reports them
            int edx = vcpuCount > 1 ? e.edx() | EDX_HTT : e.edx() & ~EDX_HTT;
            return with(e, e.eax(), ebx, ecx, edx);
        }

        private CpuidEntry cacheParameters(CpuidEntry e) {
            if ((e.eax() & 0x1f) == 0) {
                return e; // "no more caches" terminator
            }
            int level = (e.eax() >>> 5) & 0x7;
            int sharing = level >= 3 ? Math.min(vcpuCount - 1, 0xfff) : 0; // L1/L2 per core, L3 per package
            int cores = Math.min(vcpuCount - 1, 0x3f);
            int eax = (e.eax() & 0x3fff) | (sharing << 14) | (cores << 26);
            return with(e, eax, e.ebx(), e.ecx(), e.edx());
        }

        private CpuidEntry extendedTopology(CpuidEntry e) {
            return switch (e.index()) {
                case 0 -> with(e, 0, 1, (TOPOLOGY_LEVEL_SMT << 8), vcpuId);
                case 1 -> with(e, coreIdBits(), vcpuCount, (TOPOLOGY_LEVEL_CORE << 8) | 1, vcpuId);
                default -> with(e, 0, 0, e.index() & 0xff, vcpuId); // level type 0: no further levels
            };
        }

        private CpuidEntry amdSizeIdentifiers(CpuidEntry e) {
            int ecx = (e.ecx() & ~0xf0ff) | (coreIdBits() << 12) | (vcpuCount - 1);
            return with(e, e.eax(), e.ebx(), ecx, e.edx());
        }

        private CpuidEntry amdTopology(CpuidEntry e) {
            // Extended APIC id; core id with 1 thread per core; node 0 of 1 node per package.
            int ebx = (e.ebx() & ~0xffff) | (vcpuId & 0xff);
            int ecx = e.ecx() & ~0x7ff;
            return with(e, vcpuId, ebx, ecx, 0);
        }

        private static CpuidEntry with(CpuidEntry e, int eax, int ebx, int ecx, int edx) {
            return new CpuidEntry(e.function(), e.index(), e.flags(), eax, ebx, ecx, edx);
        }
    }
}
