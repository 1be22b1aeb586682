package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.stockade.hypervisor.kvm.CpuidEntry;
import java.util.List;
import java.util.OptionalLong;
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

    // --- linuxXcr0: the XCR0 the guest kernel will program ---

    private static final int XSAVE = 1 << 26;
    private static final int AVX = 1 << 28;

    /** Leaf 1 with the given ECX, leaf 7 with EBX/ECX/EDX, leaf 0xD sub-leaf 0 offering {@code offered}. */
    private static List<CpuidEntry> xsaveTable(int leaf1Ecx, int leaf7Ebx, int leaf7Ecx, int leaf7Edx, long offered) {
        return List.of(AMD,
                new CpuidEntry(0x1, 0, 0, 0x00800f12, 0, leaf1Ecx, 0x178bfbff),
                new CpuidEntry(0x7, 0, SIG, 0, leaf7Ebx, leaf7Ecx, leaf7Edx),
                // EBX (576) is what KVM reports for XCR0 = x87 and is deliberately irrelevant here.
                new CpuidEntry(0xd, 0, SIG, (int) offered, 576, 832, (int) (offered >>> 32)),
                new CpuidEntry(0xd, 2, SIG, 256, 576, 0, 0));
    }

    @Test
    void linuxXcr0OnTheL1EpycModelIsX87SseAndAvx() {
        // What KVM offers in the nested-KVM tier (QEMU -cpu EPYC under TCG): x87 | SSE | AVX, no PKU, no AVX-512.
        List<CpuidEntry> table = xsaveTable(XSAVE | AVX, 0x0000_0001, 0, 0, 0b111);
        assertEquals(OptionalLong.of(0b111), Cpuid.linuxXcr0(table));
    }

    @Test
    void linuxXcr0TakesOnlyComponentsWhoseFeatureFlagIsSetToo() {
        long offered = 0x6_02ffL; // x87 SSE AVX MPX AVX-512 (bits 0-7), PKRU (9), AMX (17-18)
        List<CpuidEntry> allFlags = xsaveTable(XSAVE | AVX, (1 << 14) | (1 << 16), 1 << 3, 1 << 24, offered);
        assertEquals(OptionalLong.of(offered), Cpuid.linuxXcr0(allFlags));

        List<CpuidEntry> noExtendedFlags = xsaveTable(XSAVE | AVX, 0, 0, 0, offered);
        assertEquals(OptionalLong.of(0b111), Cpuid.linuxXcr0(noExtendedFlags), "no MPX, AVX-512, PKU or AMX flag");

        List<CpuidEntry> noAvx = xsaveTable(XSAVE, 1 << 16, 0, 0, offered);
        assertEquals(OptionalLong.of(0b11), Cpuid.linuxXcr0(noAvx), "AVX-512 state needs AVX state");
    }

    @Test
    void linuxXcr0NeverNamesComponentsLeaf0xDDoesNotOffer() {
        // PKU and AVX-512 flags set, but leaf 0xD offers only x87 | SSE | AVX | PKRU and half of the AVX-512 group.
        long offered = 0b10_0110_0111L;
        List<CpuidEntry> table = xsaveTable(XSAVE | AVX, 1 << 16, 1 << 3, 0, offered);
        assertEquals(OptionalLong.of(0b10_0000_0111L), Cpuid.linuxXcr0(table),
                "a half-offered group is left out entirely, as KVM would refuse it");
    }

    @Test
    void linuxXcr0IsEmptyWithoutXsave() {
        assertEquals(OptionalLong.empty(), Cpuid.linuxXcr0(xsaveTable(AVX, 0, 0, 0, 0b111)), "leaf 1 has no XSAVE");
        List<CpuidEntry> noLeafD = List.of(AMD, new CpuidEntry(0x1, 0, 0, 0, 0, XSAVE | AVX, 0));
        assertEquals(OptionalLong.empty(), Cpuid.linuxXcr0(noLeafD), "no leaf 0xD");
        assertEquals(OptionalLong.empty(), Cpuid.linuxXcr0(xsaveTable(XSAVE | AVX, 0, 0, 0, 0b110)),
                "leaf 0xD without x87: nothing KVM would accept");
    }
}
