package io.stockade.hypervisor.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_CPUID2;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_CPUID_ENTRY2;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Converts between {@link CpuidEntry} lists and {@code struct kvm_cpuid2} with its trailing entries. */
final class CpuidCodec {
    private static final long FUNCTION = offset(KVM_CPUID_ENTRY2, "function");
    private static final long INDEX = offset(KVM_CPUID_ENTRY2, "index");
    private static final long FLAGS = offset(KVM_CPUID_ENTRY2, "flags");
    private static final long EAX = offset(KVM_CPUID_ENTRY2, "eax");
    private static final long EBX = offset(KVM_CPUID_ENTRY2, "ebx");
    private static final long ECX = offset(KVM_CPUID_ENTRY2, "ecx");
    private static final long EDX = offset(KVM_CPUID_ENTRY2, "edx");
    private static final long NENT = offset(KVM_CPUID2, "nent");

    private CpuidCodec() {}

    static List<CpuidEntry> read(MemorySegment cpuid2) {
        int n = cpuid2.get(JAVA_INT, NENT);
        List<CpuidEntry> entries = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            MemorySegment e = entry(cpuid2, i);
            entries.add(new CpuidEntry(e.get(JAVA_INT, FUNCTION), e.get(JAVA_INT, INDEX), e.get(JAVA_INT, FLAGS),
                    e.get(JAVA_INT, EAX), e.get(JAVA_INT, EBX), e.get(JAVA_INT, ECX), e.get(JAVA_INT, EDX)));
        }
        return List.copyOf(entries);
    }

    static MemorySegment write(List<CpuidEntry> entries, Arena arena) {
        MemorySegment cpuid2 = arena.allocate(KVM_CPUID2.byteSize() + entries.size() * KVM_CPUID_ENTRY2.byteSize(), 8);
        cpuid2.set(JAVA_INT, NENT, entries.size());
        for (int i = 0; i < entries.size(); i++) {
            CpuidEntry c = entries.get(i);
            MemorySegment e = entry(cpuid2, i);
            e.set(JAVA_INT, FUNCTION, c.function());
            e.set(JAVA_INT, INDEX, c.index());
            e.set(JAVA_INT, FLAGS, c.flags());
            e.set(JAVA_INT, EAX, c.eax());
            e.set(JAVA_INT, EBX, c.ebx());
            e.set(JAVA_INT, ECX, c.ecx());
            e.set(JAVA_INT, EDX, c.edx());
        }
        return cpuid2;
    }

    private static MemorySegment entry(MemorySegment cpuid2, int i) {
        return cpuid2.asSlice(KVM_CPUID2.byteSize() + i * KVM_CPUID_ENTRY2.byteSize(), KVM_CPUID_ENTRY2.byteSize());
    }
}
