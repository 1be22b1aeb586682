package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.hypervisor.kvm.CpuidEntry;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuidTest {
    private static final int SIG = CpuidEntry.FLAG_SIGNIFICANT_INDEX;
    private static final int TSC_DEADLINE = 1 << 24;

    // "GenuineIntel" / "AuthenticAMD" as EBX, EDX, ECX.
    private static final CpuidEntry INTEL = new CpuidEntry(0, 0, 0, 0x1f, 0x756e6547, 0x6c65746e, 0x49656e69);
    private static final CpuidEntry AMD = new CpuidEntry(0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65);

    /** A trimmed-down KVM_GET_SUPPORTED_CPUID answer, as an Intel or AMD host reports it. */
    private static List<CpuidEntry> supported(CpuidEntry vendor) {
        return List.of(
                vendor,
                new CpuidEntry(0x1, 0, 0, 0x000806f8, 0x0010_0800 | 0x42, 0x7ffa_3223 | TSC_DEADLINE, 0x1f8b_fbff),
                new CpuidEntry(0x4, 0, SIG, 0x1c00_4121, 0x02c0_003f, 0x3f, 0), // L1d
                new CpuidEntry(0x4, 1, SIG, 0x1c00_4122, 0x01c0_003f, 0x3f, 0), // L1i
                new CpuidEntry(0x4, 2, SIG, 0x1c00_4143, 0x03c0_003f, 0x7ff, 0), // L2
                new CpuidEntry(0x4, 3, SIG, 0x1c03_c163, 0x03c0_003f, 0xffff, 6), // L3
                new CpuidEntry(0x4, 4, SIG, 0, 0, 0, 0), // no more caches
                new CpuidEntry(0x6, 0, 0, 0x77, 0x2, 0x9, 0x1),
                new CpuidEntry(0x7, 0, SIG, 0, 0xf1bf_07ab, 0x1b41_5f6e, 0xbc18_4410),
                new CpuidEntry(0xa, 0, 0, 0x0703_0805, 0, 0, 0x603),
                new CpuidEntry(0xb, 0, SIG, 1, 2, 0x100, 0x55),
                new CpuidEntry(0xb, 1, SIG, 6, 56, 0x201, 0x55),
                new CpuidEntry(0xb, 2, SIG, 0, 0, 2, 0x55),
                new CpuidEntry(0x1f, 0, SIG, 1, 2, 0x100, 0x55),
                new CpuidEntry(0x1f, 1, SIG, 6, 56, 0x201, 0x55),
                new CpuidEntry(0x1f, 2, SIG, 7, 56, 0x502, 0x55), // die level
                new CpuidEntry(0x4000_0000, 0, 0, 0x4000_0001, 0, 0, 0),
                new CpuidEntry(0x4000_0001, 0, 0, 0x0100_7afb, 0, 0, 0),
                new CpuidEntry(0x8000_0008, 0, 0, 0x3030, 0x0100_0000, 0x0003_703f, 0),
                new CpuidEntry(0x8000_001e, 0, 0, 0x55, 0x0000_0155, 0x0000_0302, 0x77));
    }

    private static CpuidEntry leaf(List<CpuidEntry> entries, int function, int index) {
        return entries.stream().filter(e -> e.function() == function && e.index() == index).findFirst().orElseThrow();
    }

    @Test
    void keepsEveryLeafInOrderWithItsFlags() {
        List<CpuidEntry> in = supported(INTEL);
        List<CpuidEntry> out = Cpuid.forVcpu(in, 0, 1);
        assertEquals(in.size(), out.size());
        for (int i = 0; i < in.size(); i++) {
            assertEquals(in.get(i).function(), out.get(i).function());
            assertEquals(in.get(i).index(), out.get(i).index());
            assertEquals(in.get(i).flags(), out.get(i).flags());
        }
        assertEquals(leaf(in, 0x7, 0), leaf(out, 0x7, 0), "leaves we do not own pass through");
        assertEquals(INTEL, leaf(out, 0, 0));
    }

    @Test
    void leaf1CarriesTheApicIdAndCountAndTheHypervisorBit() {
        CpuidEntry in = leaf(supported(INTEL), 1, 0);
        CpuidEntry out = leaf(Cpuid.forVcpu(supported(INTEL), 3, 8), 1, 0);

        assertEquals(3, out.ebx() >>> 24, "initial APIC id");
        assertEquals(8, (out.ebx() >>> 16) & 0xff, "logical processors per package");
        assertEquals(8, (out.ebx() >>> 8) & 0xff, "CLFLUSH line size in 8-byte units");
        assertEquals(0x42, out.ebx() & 0xff, "brand index kept");
        assertEquals(1 << 31, out.ecx() & (1 << 31), "hypervisor bit");
        assertEquals(in.ecx() | (1 << 31), out.ecx(), "other features (TSC-deadline included) kept");
        assertEquals(1 << 28, out.edx() & (1 << 28), "HTT with several logical processors");
        assertEquals(in.eax(), out.eax());
    }

    @Test
    void aSingleVcpuHasNoHtt() {
        CpuidEntry out = leaf(Cpuid.forVcpu(supported(INTEL), 0, 1), 1, 0);
        assertEquals(0, out.edx() & (1 << 28));
        assertEquals(1, (out.ebx() >>> 16) & 0xff);
        assertEquals(0, out.ebx() >>> 24);
    }

    @Test
    void eachVcpuGetsItsOwnApicId() {
        for (int id = 0; id < 4; id++) {
            List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), id, 4);
            assertEquals(id, leaf(out, 1, 0).ebx() >>> 24);
            for (int index = 0; index < 3; index++) {
                assertEquals(id, leaf(out, 0xb, index).edx(), "x2APIC id in leaf 0xb." + index);
            }
        }
    }

    @Test
    void leaf4SharesL1AndL2PerCoreAndL3PerPackage() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 2, 6);
        for (int index = 0; index < 4; index++) {
            CpuidEntry cache = leaf(out, 4, index);
            int level = (cache.eax() >>> 5) & 7;
            assertEquals(level == 3 ? 5 : 0, (cache.eax() >>> 14) & 0xfff, "sharing of cache " + index);
            assertEquals(5, cache.eax() >>> 26, "cores per package - 1");
            assertEquals(leaf(supported(INTEL), 4, index).eax() & 0x3fff, cache.eax() & 0x3fff, "cache type kept");
            assertEquals(leaf(supported(INTEL), 4, index).ebx(), cache.ebx(), "geometry kept");
        }
        assertEquals(new CpuidEntry(4, 4, SIG, 0, 0, 0, 0), leaf(out, 4, 4), "terminator untouched");
    }

    @Test
    void leafBDescribesOneThreadPerCoreAndAllCoresInOnePackage() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 5, 6);
        assertEquals(new CpuidEntry(0xb, 0, SIG, 0, 1, 0x100, 5), leaf(out, 0xb, 0), "SMT level");
        assertEquals(new CpuidEntry(0xb, 1, SIG, 3, 6, 0x201, 5), leaf(out, 0xb, 1), "core level: 3 id bits");
        assertEquals(new CpuidEntry(0xb, 2, SIG, 0, 0, 2, 5), leaf(out, 0xb, 2), "no further levels");
    }

    @Test
    void leaf1fGetsTheSameTopologyAndDropsTheHostsDieLevel() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 5, 6);
        assertEquals(new CpuidEntry(0x1f, 0, SIG, 0, 1, 0x100, 5), leaf(out, 0x1f, 0));
        assertEquals(new CpuidEntry(0x1f, 1, SIG, 3, 6, 0x201, 5), leaf(out, 0x1f, 1));
        assertEquals(new CpuidEntry(0x1f, 2, SIG, 0, 0, 2, 5), leaf(out, 0x1f, 2));
    }

    @Test
    void coreIdBitsCoverExactlyThePowersOfTwo() {
        assertEquals(0, leaf(Cpuid.forVcpu(supported(INTEL), 0, 1), 0xb, 1).eax());
        assertEquals(1, leaf(Cpuid.forVcpu(supported(INTEL), 0, 2), 0xb, 1).eax());
        assertEquals(2, leaf(Cpuid.forVcpu(supported(INTEL), 0, 4), 0xb, 1).eax());
        assertEquals(3, leaf(Cpuid.forVcpu(supported(INTEL), 0, 5), 0xb, 1).eax());
    }

    @Test
    void powerManagementBeyondAratAndThePmuAreHidden() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 0, 2);
        assertEquals(new CpuidEntry(6, 0, 0, 0x4, 0, 0, 0), leaf(out, 6, 0));
        assertEquals(new CpuidEntry(0xa, 0, 0, 0, 0, 0, 0), leaf(out, 0xa, 0));
    }

    @Test
    void kvmParavirtLeavesCarryTheSignatureAndKvmsFeatures() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 0, 2);
        CpuidEntry signature = leaf(out, 0x4000_0000, 0);
        assertEquals(0x4000_0001, signature.eax(), "highest paravirt leaf");
        byte[] text = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt(signature.ebx()).putInt(signature.ecx()).putInt(signature.edx()).array();
        assertEquals("KVMKVMKVM\0\0\0", new String(text, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(leaf(supported(INTEL), 0x4000_0001, 0), leaf(out, 0x4000_0001, 0));
    }

    @Test
    void amdLeavesGetTheCoreCountAndExtendedApicId() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(AMD), 6, 8);
        CpuidEntry sizes = leaf(out, 0x8000_0008, 0);
        assertEquals(7, sizes.ecx() & 0xff, "NC = cores - 1");
        assertEquals(3, (sizes.ecx() >>> 12) & 0xf, "ApicIdCoreIdSize");
        assertEquals(0x0003_0000, sizes.ecx() & 0xffff_0000, "other ECX bits kept");
        assertEquals(0x3030, sizes.eax(), "address sizes kept");

        CpuidEntry topology = leaf(out, 0x8000_001e, 0);
        assertEquals(6, topology.eax(), "extended APIC id");
        assertEquals(6, topology.ebx() & 0xff, "core id");
        assertEquals(0, (topology.ebx() >>> 8) & 0xff, "one thread per core");
        assertEquals(0, topology.ecx() & 0x7ff, "node 0 of 1");
    }

    @Test
    void intelKeepsTheAmdOnlyLeavesAsReported() {
        List<CpuidEntry> out = Cpuid.forVcpu(supported(INTEL), 6, 8);
        assertEquals(leaf(supported(INTEL), 0x8000_0008, 0), leaf(out, 0x8000_0008, 0));
        assertEquals(leaf(supported(INTEL), 0x8000_001e, 0), leaf(out, 0x8000_001e, 0));
    }

    @Test
    void vendorIsReadFromLeafZero() {
        assertEquals("GenuineIntel", Cpuid.vendor(supported(INTEL)));
        assertEquals("AuthenticAMD", Cpuid.vendor(supported(AMD)));
        assertEquals("", Cpuid.vendor(List.of()));
    }

    @Test
    void rejectsVcpuIdsOutsideTheCount() {
        assertThrows(IllegalArgumentException.class, () -> Cpuid.forVcpu(supported(INTEL), 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Cpuid.forVcpu(supported(INTEL), -1, 2));
        assertThrows(IllegalArgumentException.class, () -> Cpuid.forVcpu(supported(INTEL), 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Cpuid.forVcpu(supported(INTEL), 0, 255));
    }

    @Test
    void doesNotChangeItsInput() {
        List<CpuidEntry> in = supported(INTEL);
        List<CpuidEntry> out = Cpuid.forVcpu(in, 1, 2);
        assertEquals(supported(INTEL), in);
        assertNotEquals(in, out);
    }
}
