package io.stockade.hypervisor.kvm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_RUN;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every KVM exit reason maps to its {@link VcpuExit}, and answers to IN / MMIO reads land where KVM will read them.
 * The kvm_run page is simulated in native memory, filled the way the kernel fills it.
 */
class KvmRunTest {
    private static final long PAGE = 4096;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment page = arena.allocate(3 * PAGE, PAGE);
    private final KvmRun run = new KvmRun(page, "vcpu 0 (test)");

    @AfterEach
    void free() {
        arena.close();
    }

    private void exit(int reason) {
        page.set(JAVA_INT, offset(KVM_RUN, "exit_reason"), reason);
    }

    private void io(int direction, int size, int port, int count, long dataOffset) {
        exit(KvmRun.EXIT_IO);
        page.set(JAVA_BYTE, offset(KVM_RUN, "exit", "io", "direction"), (byte) direction);
        page.set(JAVA_BYTE, offset(KVM_RUN, "exit", "io", "size"), (byte) size);
        page.set(JAVA_SHORT, offset(KVM_RUN, "exit", "io", "port"), (short) port);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "io", "count"), count);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "io", "data_offset"), dataOffset);
    }

    private void mmio(long address, int length, boolean write, byte[] data) {
        exit(KvmRun.EXIT_MMIO);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "mmio", "phys_addr"), address);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "mmio", "len"), length);
        page.set(JAVA_BYTE, offset(KVM_RUN, "exit", "mmio", "is_write"), (byte) (write ? 1 : 0));
        MemorySegment.copy(data, 0, page, JAVA_BYTE, offset(KVM_RUN, "exit", "mmio", "data"), data.length);
    }

    @Test
    void anOutCarriesPortSizeAndTheBytesAtTheDataOffset() {
        io(KvmRun.EXIT_IO_OUT, 1, 0x3f8, 3, PAGE);
        MemorySegment.copy(new byte[] {'a', 'b', 'c'}, 0, page, JAVA_BYTE, PAGE, 3);
        assertEquals(new VcpuExit.IoOut(0x3f8, 1, new byte[] {'a', 'b', 'c'}), run.decode());
    }

    @Test
    void portsAboveSignedShortRangeArePositive() {
        io(KvmRun.EXIT_IO_OUT, 2, 0xCFC, 1, PAGE);
        assertEquals(0xCFC, ((VcpuExit.IoOut) run.decode()).port());
        io(KvmRun.EXIT_IO_OUT, 4, 0xFFFF, 1, PAGE);
        assertEquals(0xFFFF, ((VcpuExit.IoOut) run.decode()).port());
    }

    @Test
    void anInIsAnsweredIntoTheDataArea() {
        io(KvmRun.EXIT_IO_IN, 2, 0x60, 2, PAGE + 8);
        VcpuExit.IoIn in = assertInstanceOf(VcpuExit.IoIn.class, run.decode());
        assertEquals(new VcpuExit.IoIn(0x60, 2, 2), in);
        assertEquals(4, in.dataLength());

        IllegalStateException unanswered = assertThrows(IllegalStateException.class, run::checkReadyToEnter);
        assertTrue(unanswered.getMessage().contains("IoIn"), unanswered.getMessage());
        assertThrows(IllegalArgumentException.class, () -> run.completeIoIn(new byte[3]));

        run.completeIoIn(new byte[] {1, 2, 3, 4});
        assertArrayEquals(new byte[] {1, 2, 3, 4}, page.asSlice(PAGE + 8, 4).toArray(JAVA_BYTE));
        run.checkReadyToEnter();
        assertThrows(IllegalStateException.class, () -> run.completeIoIn(new byte[4]), "answered only once");
    }

    @Test
    void impossibleIoExitsAreReportedNotTrusted() {
        io(KvmRun.EXIT_IO_OUT, 3, 0x80, 1, PAGE);
        assertThrows(IllegalStateException.class, run::decode);
        io(KvmRun.EXIT_IO_OUT, 4, 0x80, 1, 3 * PAGE - 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, run::decode);
        assertTrue(e.getMessage().contains("port 0x80"), e.getMessage());
    }

    @Test
    void anMmioWriteCarriesItsBytes() {
        mmio(0xD000_0050L, 4, true, new byte[] {1, 0, 0, 0, 9, 9, 9, 9});
        assertEquals(new VcpuExit.MmioWrite(0xD000_0050L, new byte[] {1, 0, 0, 0}), run.decode());
    }

    @Test
    void anMmioReadIsAnsweredIntoTheMmioData() {
        mmio(0xFEC0_0000L, 8, false, new byte[0]);
        assertEquals(new VcpuExit.MmioRead(0xFEC0_0000L, 8), run.decode());
        assertThrows(IllegalStateException.class, () -> run.completeIoIn(new byte[8]), "not an IoIn");
        byte[] answer = {1, 2, 3, 4, 5, 6, 7, 8};
        run.completeMmioRead(answer);
        assertArrayEquals(answer, page.asSlice(offset(KVM_RUN, "exit", "mmio", "data"), 8).toArray(JAVA_BYTE));
    }

    @Test
    void anMmioExitWithAnImpossibleLengthIsReported() {
        mmio(0x1000, 9, false, new byte[0]);
        assertThrows(IllegalStateException.class, run::decode);
    }

    @Test
    void haltShutdownAndInterruptHaveTheirOwnExits() {
        exit(KvmRun.EXIT_HLT);
        assertInstanceOf(VcpuExit.Halt.class, run.decode());
        exit(KvmRun.EXIT_SHUTDOWN);
        assertInstanceOf(VcpuExit.Shutdown.class, run.decode());
        exit(KvmRun.EXIT_INTR);
        assertInstanceOf(VcpuExit.Interrupted.class, run.decode());
    }

    @Test
    void aSystemEventCarriesItsTypeAndOnlyTheValidData() {
        exit(KvmRun.EXIT_SYSTEM_EVENT);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "system_event", "type"), VcpuExit.SystemEvent.RESET);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "system_event", "ndata"), 1);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "system_event", "data"), 0x77);
        assertEquals(new VcpuExit.SystemEvent(VcpuExit.SystemEvent.RESET, new long[] {0x77}), run.decode());

        page.set(JAVA_INT, offset(KVM_RUN, "exit", "system_event", "ndata"), 1000);
        assertEquals(16, ((VcpuExit.SystemEvent) run.decode()).data().length, "ndata is clamped to the array");
    }

    @Test
    void anInternalErrorCarriesSuberrorAndData() {
        exit(KvmRun.EXIT_INTERNAL_ERROR);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "internal", "suberror"), VcpuExit.InternalError.EMULATION);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "internal", "ndata"), 2);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "internal", "data"), 5);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "internal", "data") + 8, 6);
        assertEquals(new VcpuExit.InternalError(VcpuExit.InternalError.EMULATION, new long[] {5, 6}), run.decode());
    }

    @Test
    void aFailedEntryCarriesTheHardwareReasonAndCpu() {
        exit(KvmRun.EXIT_FAIL_ENTRY);
        page.set(JAVA_LONG, offset(KVM_RUN, "exit", "fail_entry", "hardware_entry_failure_reason"), 0x80000021L);
        page.set(JAVA_INT, offset(KVM_RUN, "exit", "fail_entry", "cpu"), 3);
        assertEquals(new VcpuExit.FailEntry(0x80000021L, 3), run.decode());
    }

    @Test
    void anyOtherReasonIsUnknown() {
        exit(7); // KVM_EXIT_IRQ_WINDOW_OPEN: never requested by this VMM
        assertEquals(new VcpuExit.Unknown(7), run.decode());
    }

    @Test
    void immediateExitIsTheSecondByteOfThePage() {
        run.setImmediateExit(true);
        assertEquals(1, page.get(JAVA_BYTE, 1));
        assertTrue(run.immediateExit());
        run.setImmediateExit(false);
        assertEquals(0, page.get(JAVA_BYTE, 1));
        assertFalse(run.immediateExit());
    }

    @Test
    void aMappingSmallerThanKvmRunIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KvmRun(page.asSlice(0, 1024), "vcpu 9"));
    }
}
