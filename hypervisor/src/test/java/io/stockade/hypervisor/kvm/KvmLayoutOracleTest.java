package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.sys.IoctlRequest;
import io.stockade.hypervisor.sys.LayoutOracle;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.UnionLayout;
import java.util.Map;
import java.util.TreeMap;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every hand-written linux/kvm.h layout, ioctl number and constant agrees with what gcc computes from the real
 * header: both directions are checked, so a field missing on either side fails too.
 */
class KvmLayoutOracleTest {

    @Test
    void structSizesMatchTheHeader() {
        Map<String, Long> java = new TreeMap<>();
        for (StructLayout s : KvmStructs.ALL) {
            java.put(s.name().orElseThrow(), s.byteSize());
        }
        assertEquals(LayoutOracle.facts("sizeof", "kvm"), java);
    }

    @Test
    void everyFieldOffsetMatchesTheHeader() {
        Map<String, Long> java = new TreeMap<>();
        for (StructLayout s : KvmStructs.ALL) {
            String struct = s.name().orElseThrow();
            for (MemoryLayout member : s.memberLayouts()) {
                if (member.name().isEmpty()) {
                    continue; // alignment padding the C struct does not name
                }
                String field = member.name().get();
                if (member instanceof UnionLayout union) {
                    // kvm_run's exit union is anonymous in C: its members are addressed directly (kvm_run.io.port).
                    addUnionMembers(java, s, struct, field, union);
                } else {
                    java.put(struct + "." + field, s.byteOffset(groupElement(field)));
                }
            }
        }
        assertEquals(LayoutOracle.facts("offsetof", "kvm"), java);
    }

    @Test
    void ioctlNumbersMatchTheHeader() {
        Map<String, Long> java = new TreeMap<>();
        for (IoctlRequest r : KvmIoctls.ALL) {
            java.put(r.name(), r.number());
        }
        assertEquals(LayoutOracle.facts("ioctl", "kvm"), java);
    }

    @Test
    void constantsMatchTheHeader() {
        Map<String, Long> java = new TreeMap<>();
        java.put("KVM_API_VERSION", (long) Kvm.EXPECTED_API_VERSION);
        java.put("KVM_EXIT_UNKNOWN", (long) KvmRun.EXIT_UNKNOWN);
        java.put("KVM_EXIT_IO", (long) KvmRun.EXIT_IO);
        java.put("KVM_EXIT_HLT", (long) KvmRun.EXIT_HLT);
        java.put("KVM_EXIT_MMIO", (long) KvmRun.EXIT_MMIO);
        java.put("KVM_EXIT_SHUTDOWN", (long) KvmRun.EXIT_SHUTDOWN);
        java.put("KVM_EXIT_FAIL_ENTRY", (long) KvmRun.EXIT_FAIL_ENTRY);
        java.put("KVM_EXIT_INTR", (long) KvmRun.EXIT_INTR);
        java.put("KVM_EXIT_INTERNAL_ERROR", (long) KvmRun.EXIT_INTERNAL_ERROR);
        java.put("KVM_EXIT_SYSTEM_EVENT", (long) KvmRun.EXIT_SYSTEM_EVENT);
        java.put("KVM_EXIT_IO_IN", (long) KvmRun.EXIT_IO_IN);
        java.put("KVM_EXIT_IO_OUT", (long) KvmRun.EXIT_IO_OUT);
        java.put("KVM_SYSTEM_EVENT_SHUTDOWN", (long) VcpuExit.SystemEvent.SHUTDOWN);
        java.put("KVM_SYSTEM_EVENT_RESET", (long) VcpuExit.SystemEvent.RESET);
        java.put("KVM_SYSTEM_EVENT_CRASH", (long) VcpuExit.SystemEvent.CRASH);
        java.put("KVM_INTERNAL_ERROR_EMULATION", (long) VcpuExit.InternalError.EMULATION);
        java.put("KVM_INTERNAL_ERROR_SIMUL_EX", (long) VcpuExit.InternalError.SIMUL_EX);
        java.put("KVM_INTERNAL_ERROR_DELIVERY_EV", (long) VcpuExit.InternalError.DELIVERY_EV);
        java.put("KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON", (long) VcpuExit.InternalError.UNEXPECTED_EXIT_REASON);
        java.put("KVM_CPUID_FLAG_SIGNIFCANT_INDEX", (long) CpuidEntry.FLAG_SIGNIFICANT_INDEX);
        java.put("KVM_PIT_SPEAKER_DUMMY", (long) Vm.PIT_SPEAKER_DUMMY);
        java.put("KVM_IRQFD_FLAG_DEASSIGN", (long) Vm.IRQFD_FLAG_DEASSIGN);
        java.put("KVM_IOEVENTFD_FLAG_DATAMATCH", (long) Vm.IOEVENTFD_FLAG_DATAMATCH);
        java.put("KVM_IOEVENTFD_FLAG_PIO", (long) Vm.IOEVENTFD_FLAG_PIO);
        java.put("KVM_IOEVENTFD_FLAG_DEASSIGN", (long) Vm.IOEVENTFD_FLAG_DEASSIGN);
        java.put("KVM_MAX_XCRS", (long) KvmStructs.MAX_XCRS);
        for (Capability c : Capability.values()) {
            java.put(c.kernelName(), (long) c.number());
        }
        assertEquals(LayoutOracle.facts("const", "kvm"), java);
    }

    private static void addUnionMembers(Map<String, Long> java, StructLayout s, String struct, String unionName,
                                        UnionLayout union) {
        for (MemoryLayout alternative : union.memberLayouts()) {
            String name = alternative.name().orElseThrow();
            if (alternative instanceof StructLayout fields) {
                for (MemoryLayout field : fields.memberLayouts()) {
                    field.name().ifPresent(f -> java.put(struct + "." + name + "." + f,
                            s.byteOffset(groupElement(unionName), groupElement(name), groupElement(f))));
                }
            } else {
                java.put(struct + "." + name, s.byteOffset(groupElement(unionName), groupElement(name)));
            }
        }
    }
}
