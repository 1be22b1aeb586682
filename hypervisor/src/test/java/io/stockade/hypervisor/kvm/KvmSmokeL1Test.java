package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import io.stockade.hypervisor.sys.Signals;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The KVM layer against a real /dev/kvm (only inside the nested-KVM L1 guest): capabilities, a real-mode guest
 * doing port and MMIO I/O through every exit that needs an answer, and the vCPU kick.
 */
@Tag("l1")
class KvmSmokeL1Test {
    private static final long RAM = 2 << 20;
    private static final long CODE = 0x1000;
    private static final long TSS = 0xFFFB_D000L;
    private static final int SERIAL = 0x3F8;
    private static final int DONE_PORT = 0x501;
    /** Real mode cannot reach this, except through a data segment whose hidden base we set there. */
    private static final long MMIO_BASE = 0xD000_0000L;
    /** Bounds the waits so a broken kick fails the test instead of hanging it; not a timing assertion. */
    private static final long GENEROUS_SECONDS = 10;

    private Kvm kvm;
    private Vm vm;
    private GuestMemory memory;
    private final List<Vcpu> vcpus = new ArrayList<>();

    @BeforeEach
    void openKvm() {
        kvm = Kvm.open();
    }

    @AfterEach
    void closeAll() {
        vcpus.forEach(Vcpu::close);
        if (vm != null) {
            vm.close();
        }
        if (memory != null) {
            memory.close();
        }
        kvm.close();
    }

    @Test
    void kvmOffersTheApiVersionAndCapabilitiesStockadeNeeds() {
        assertEquals(Kvm.EXPECTED_API_VERSION, kvm.apiVersion());
        kvm.requireCapabilities(Kvm.REQUIRED_CAPABILITIES);
        assertTrue(kvm.vcpuMmapSize() >= KvmStructs.KVM_RUN.byteSize());
        List<CpuidEntry> cpuid = kvm.supportedCpuid();
        assertTrue(cpuid.stream().anyMatch(e -> e.function() == 0), "leaf 0 is always supported: " + cpuid);
    }

    @Test
    void vcpuStateRoundTripsThroughKvm() {
        Vcpu vcpu = newVm(true).createVcpu(0);
        vcpus.add(vcpu);
        vcpu.setCpuid(kvm.supportedCpuid());
        Registers regs = Registers.zero().withRip(0x1234).withRsp(0x8000).withRflags(Registers.RFLAGS_RESERVED_BIT);
        vcpu.setRegisters(regs);
        assertEquals(regs, vcpu.getRegisters());

        SpecialRegisters sregs = vcpu.getSpecialRegisters();
        vcpu.setSpecialRegisters(sregs);
        assertEquals(sregs.cr0(), vcpu.getSpecialRegisters().cr0());

        vcpu.setFpu(0x37F, 0x1F80);
        vcpu.setMsrs(List.of(new MsrEntry(0x174 /* IA32_SYSENTER_CS */, 0x10)));
        byte[] lapic = vcpu.getLapic();
        assertEquals(1024, lapic.length);
        vcpu.setLapic(lapic);
    }

    @Test
    void aRealModeGuestTalksThroughPortsAndMmioAndHalts() {
        Vm machine = newVm(true);
        byte[] code = program("Stockade\n");
        memory.write(CODE, code);
        Vcpu vcpu = machine.createVcpu(0);
        vcpus.add(vcpu);
        enterRealMode(vcpu);

        ByteArrayOutputStream serial = new ByteArrayOutputStream();
        List<VcpuExit> accesses = new ArrayList<>();
        for (int exits = 0; ; exits++) {
            assertTrue(exits < 10_000, "the guest never reached its done port; serial so far: " + serial);
            VcpuExit exit = vcpu.run();
            switch (exit) {
                case VcpuExit.IoOut out when out.port() == DONE_PORT -> {
                    assertEquals("Stockade\nZ!", serial.toString(StandardCharsets.US_ASCII));
                    assertEquals(List.of(new VcpuExit.IoIn(SERIAL, 1, 1), new VcpuExit.MmioWrite(MMIO_BASE + 0x10,
                            new byte[] {'Z'}), new VcpuExit.MmioRead(MMIO_BASE + 0x20, 1)), accesses);
                    return;
                }
                case VcpuExit.IoOut out when out.port() == SERIAL -> serial.writeBytes(out.data());
                case VcpuExit.IoIn in -> {
                    accesses.add(in);
                    vcpu.completeIoIn(new byte[] {'Z'});
                }
                case VcpuExit.MmioWrite write -> accesses.add(write);
                case VcpuExit.MmioRead read -> {
                    accesses.add(read);
                    vcpu.completeMmioRead(new byte[] {'!'});
                }
                default -> fail("unexpected exit " + exit + " after serial output '" + serial + "'");
            }
        }
    }

    @Test
    void withoutAnIrqchipHltExitsToTheVmm() {
        Vm machine = newVm(false);
        memory.write(CODE, new byte[] {(byte) 0xF4}); // hlt
        Vcpu vcpu = machine.createVcpu(0);
        vcpus.add(vcpu);
        enterRealMode(vcpu);
        assertInstanceOf(VcpuExit.Halt.class, vcpu.run());
    }

    @Test
    void aHaltedVcpuIsKickedOutOfKvmRunAndTheSignalIsDrained() throws Exception {
        Vm machine = newVm(true);
        memory.write(CODE, new byte[] {(byte) 0xFA, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD}); // cli; hlt; jmp hlt
        Vcpu vcpu = machine.createVcpu(0);
        vcpus.add(vcpu);
        enterRealMode(vcpu);

        CountDownLatch prepared = new CountDownLatch(1);
        AtomicBoolean stop = new AtomicBoolean();
        LinkedBlockingQueue<String> kicksSeen = new LinkedBlockingQueue<>();
        CompletableFuture<Void> thread = new CompletableFuture<>();
        Thread.ofPlatform().name("vcpu-0-kick-test").start(() -> {
            try {
                vcpu.prepareThreadForKicks();
                prepared.countDown();
                while (!stop.get()) {
                    VcpuExit exit = vcpu.run();
                    if (!(exit instanceof VcpuExit.Interrupted)) {
                        throw new AssertionError("a halted guest with an irqchip should only leave on a kick: " + exit);
                    }
                    vcpu.clearKick();
                    // The kick signal must have been pending and drained, or it would be left over for later.
                    kicksSeen.add(Signals.consumePending(Vcpu.kickSignal()) ? "signal still pending" : "drained");
                }
                vcpu.releaseThreadForKicks();
                thread.complete(null);
            } catch (Throwable t) {
                thread.completeExceptionally(t);
            }
        });
        assertTrue(prepared.await(GENEROUS_SECONDS, TimeUnit.SECONDS));

        for (int kick = 0; kick < 3; kick++) {
            Thread.sleep(200); // lets the vCPU reach HLT inside KVM_RUN; a kick before that is caught by immediate_exit
            vcpu.kick();
            String seen = kicksSeen.poll(GENEROUS_SECONDS, TimeUnit.SECONDS);
            assertNotNull(seen, "kick " + kick + " did not bring the vCPU out of KVM_RUN");
            assertEquals("drained", seen);
        }
        stop.set(true);
        vcpu.kick();
        thread.get(GENEROUS_SECONDS, TimeUnit.SECONDS);
        assertFalse(thread.isCompletedExceptionally());
    }

    private Vm newVm(boolean irqchip) {
        vm = kvm.createVm();
        vm.setTssAddress(TSS);
        if (irqchip) {
            vm.createIrqchip();
            vm.createPit2();
        }
        memory = GuestMemory.createMemfd("kvm-smoke", List.of(new RegionSpec(0, RAM)));
        vm.registerMemory(memory);
        return vm;
    }

    /** CS base 0 so RIP is the physical address; DS based at the MMIO window so plain moves leave RAM. */
    private static void enterRealMode(Vcpu vcpu) {
        SpecialRegisters s = vcpu.getSpecialRegisters();
        Segment cs = new Segment(0, 0xFFFF, (short) 0, s.cs().type(), s.cs().present(), s.cs().dpl(), s.cs().db(),
                s.cs().s(), s.cs().l(), s.cs().g(), s.cs().avl(), s.cs().unusable());
        Segment ds = new Segment(MMIO_BASE, 0xFFFF, (short) 0, s.ds().type(), s.ds().present(), s.ds().dpl(),
                s.ds().db(), s.ds().s(), s.ds().l(), s.ds().g(), s.ds().avl(), s.ds().unusable());
        vcpu.setSpecialRegisters(new SpecialRegisters(cs, ds, s.es(), s.fs(), s.gs(), s.ss(), s.tr(), s.ldt(), s.gdt(),
                s.idt(), s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.cr8(), s.efer(), s.apicBase(), s.interruptBitmap()));
        vcpu.setRegisters(Registers.zero().withRip(CODE).withRflags(Registers.RFLAGS_RESERVED_BIT));
    }

    /**
     * 16-bit code: print {@code text} to the serial port, read a byte from it and echo it, store it to DS:0x10,
     * load DS:0x20 and echo that, then report on the done port and halt.
     */
    private static byte[] program(String text) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0xBA, (byte) SERIAL, (byte) (SERIAL >> 8)}); // mov dx, 0x3f8
        for (byte c : text.getBytes(StandardCharsets.US_ASCII)) {
            b.writeBytes(new byte[] {(byte) 0xB0, c, (byte) 0xEE});                  // mov al, c; out dx, al
        }
        b.writeBytes(new byte[] {
                (byte) 0xEC,                                                         // in al, dx
                (byte) 0xEE,                                                         // out dx, al
                (byte) 0xA2, 0x10, 0x00,                                             // mov [0x10], al
                (byte) 0xA0, 0x20, 0x00,                                             // mov al, [0x20]
                (byte) 0xEE,                                                         // out dx, al
                (byte) 0xBA, (byte) DONE_PORT, (byte) (DONE_PORT >> 8),              // mov dx, 0x501
                (byte) 0xEE,                                                         // out dx, al
                (byte) 0xF4,                                                         // hlt
                (byte) 0xEB, (byte) 0xFD});                                          // jmp hlt
        return b.toByteArray();
    }
}
