package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.kvm.VcpuExit;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** VM exits handled since start, by KVM exit reason name ("IO", "MMIO", "INTR", ...), for metrics and logs. */
final class ExitCounters {

    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();

    void count(VcpuExit exit) {
        counts.computeIfAbsent(reasonName(exit), name -> new LongAdder()).increment();
    }

    static String reasonName(VcpuExit exit) {
        return switch (exit) {
            case VcpuExit.IoIn ignored -> "IO";
            case VcpuExit.IoOut ignored -> "IO";
            case VcpuExit.MmioRead ignored -> "MMIO";
            case VcpuExit.MmioWrite ignored -> "MMIO";
            case VcpuExit.Halt ignored -> "HLT";
            case VcpuExit.Shutdown ignored -> "SHUTDOWN";
            case VcpuExit.SystemEvent ignored -> "SYSTEM_EVENT";
            case VcpuExit.InternalError ignored -> "INTERNAL_ERROR";
            case VcpuExit.FailEntry ignored -> "FAIL_ENTRY";
            case VcpuExit.Interrupted ignored -> "INTR";
            case VcpuExit.Unknown unknown -> "UNKNOWN_" + unknown.reason();
        };
    }

    /** A sorted snapshot. */
    Map<String, Long> snapshot() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((name, count) -> snapshot.put(name, count.sum()));
        return snapshot;
    }
}
