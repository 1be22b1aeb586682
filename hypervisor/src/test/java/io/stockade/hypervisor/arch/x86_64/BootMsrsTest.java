package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.stockade.hypervisor.kvm.MsrEntry;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class BootMsrsTest {
    @Test
    void startsEveryVcpuWithClearedSyscallStateFastStringsAndWriteBackMtrrs() {
        Map<Integer, Long> msrs = BootMsrs.entries().stream()
                .collect(Collectors.toMap(MsrEntry::index, MsrEntry::data)); // throws on a duplicate index
        assertEquals(Map.ofEntries(
                Map.entry(0x174, 0L), Map.entry(0x175, 0L), Map.entry(0x176, 0L), // SYSENTER_CS/ESP/EIP
                Map.entry(0xc000_0081, 0L), Map.entry(0xc000_0082, 0L), // STAR, LSTAR
                Map.entry(0xc000_0083, 0L), Map.entry(0xc000_0084, 0L), // CSTAR, SYSCALL_MASK
                Map.entry(0xc000_0102, 0L), // KERNEL_GS_BASE
                Map.entry(0x10, 0L), // TSC
                Map.entry(0x1a0, 1L), // MISC_ENABLE: FAST_STRING
                Map.entry(0x2ff, 0x806L)), // MTRRdefType: enabled, write-back default
                msrs);
    }
}
