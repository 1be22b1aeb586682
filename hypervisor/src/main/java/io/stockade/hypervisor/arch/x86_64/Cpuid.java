package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.kvm.CpuidEntry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
    static final int LEAF_EXTENDED_TOPOLOGY = 0xb;
    static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1f;
    static final int LEAF_KVM_SIGNATURE = 0x4000_0000;
    static final int LEAF_KVM_FEATURES = 0x4000_0001;
    static final int LEAF_AMD_SIZE_IDENTIFIERS = 0x8000_0008;
    static final int LEAF_AMD_TOPOLOGY = 0x8000_001e;

    static final int ECX_HYPERVISOR = 1 << 31;
    static final int EDX_HTT = 1 << 28;
    static final int EAX_ARAT = 1 << 2;
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
