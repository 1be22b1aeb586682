package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.bus.PioBus;
import io.stockade.hypervisor.kvm.VcpuExit;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunControlTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final AtomicInteger releases = new AtomicInteger();
    private final PioBus pio = new PioBus();
    private final MmioBus mmio = new MmioBus();
    private final ExitCounters counters = new ExitCounters();

    private RunControl startedWith(List<ScriptedVcpu> vcpus) {
        return startedWith(vcpus, WAIT);
    }

    private RunControl startedWith(List<ScriptedVcpu> vcpus, Duration waitLimit) {
        RunControl control = new RunControl(vcpus, waitLimit, releases::incrementAndGet);
        control.start(id -> new VcpuLoop(vcpus.get(id), control, pio, mmio, counters));
        return control;
    }

    @Test
    void aNewVmIsCreatedAndStartingMakesItRunning() throws Exception {
        ScriptedVcpu vcpu = new ScriptedVcpu(0);
        RunControl control = new RunControl(List.of(vcpu), WAIT, releases::incrementAndGet);
        assertEquals(VmState.CREATED, control.state());

        control.start(id -> new VcpuLoop(vcpu, control, pio, mmio, counters));
        vcpu.awaitIdleInRun();
        assertEquals(VmState.RUNNING, control.state());
        assertThrows(VmControlException.class, () -> control.start(id -> () -> { }));
        control.stop();
    }

    @Test
    void pauseParksEveryVcpuOutsideRunAndResumeLetsThemRunAgain() throws Exception {
        List<ScriptedVcpu> vcpus = List.of(new ScriptedVcpu(0), new ScriptedVcpu(1));
        RunControl control = startedWith(vcpus);
        for (ScriptedVcpu vcpu : vcpus) {
            vcpu.awaitIdleInRun();
        }

        control.pause();
        assertEquals(VmState.PAUSED, control.state());
        for (ScriptedVcpu vcpu : vcpus) {
            assertFalse(vcpu.isInRun(), "vCPU " + vcpu.id() + " left KVM_RUN");
        }
        int runsWhilePaused = vcpus.get(0).runs();
        control.pause(); // idempotent
        assertEquals(runsWhilePaused, vcpus.get(0).runs(), "a parked vCPU does not run");

        control.resume();
        assertEquals(VmState.RUNNING, control.state());
        for (ScriptedVcpu vcpu : vcpus) {
            vcpu.awaitIdleInRun();
        }
        control.resume(); // idempotent

        VmExit exit = control.stop();
        assertEquals(ExitStatus.HOST_STOP, exit.status());
        assertEquals(VmState.STOPPED, control.state());
        assertEquals(1, releases.get());
    }

    @Test
    void stoppingAPausedVmEndsTheParkedThreads() throws Exception {
        ScriptedVcpu vcpu = new ScriptedVcpu(0);
        RunControl control = startedWith(List.of(vcpu));
        vcpu.awaitIdleInRun();
        control.pause();

        assertEquals(ExitStatus.HOST_STOP, control.stop().status());
        assertEquals(1, releases.get());
    }

    @Test
    void guestPowerOffOnOneVcpuStopsTheOthersAndReleasesOnce() throws Exception {
        ScriptedVcpu idle = new ScriptedVcpu(0);
        ScriptedVcpu poweringOff = new ScriptedVcpu(1,
                new VcpuExit.SystemEvent(VcpuExit.SystemEvent.SHUTDOWN, new long[0]));
        RunControl control = startedWith(List.of(idle, poweringOff));

        VmExit exit = control.awaitExit();
        assertEquals(ExitStatus.POWEROFF, exit.status());
        assertTrue(exit.message().contains("vCPU 1"), exit.message());
        assertEquals(VmState.STOPPED, control.state());
        assertEquals(1, releases.get());
        assertEquals(ExitStatus.POWEROFF, control.stop().status(), "a later host stop keeps the first reason");
        assertEquals(1, releases.get());
    }

    @Test
    void guestResetEventIsAReboot() {
        RunControl control = startedWith(List.of(
                new ScriptedVcpu(0, new VcpuExit.SystemEvent(VcpuExit.SystemEvent.RESET, new long[0]))));
        assertEquals(ExitStatus.REBOOT, control.awaitExit().status());
    }

    @Test
    void tripleFaultIsReportedWithTheVcpuAndExit() {
        RunControl control = startedWith(List.of(new ScriptedVcpu(0, new VcpuExit.Shutdown())));
        VmExit exit = control.awaitExit();
        assertEquals(ExitStatus.TRIPLE_FAULT, exit.status());
        assertTrue(exit.message().startsWith("vCPU 0: Shutdown"), exit.message());
    }

    @Test
    void exitsKvmCouldNotHandleAreInternalErrors() {
        for (VcpuExit fatal : List.of(new VcpuExit.InternalError(1, new long[] {0x10}),
                new VcpuExit.FailEntry(0x80000021L, 0), new VcpuExit.Unknown(99),
                new VcpuExit.SystemEvent(VcpuExit.SystemEvent.CRASH, new long[0]))) {
            RunControl control = startedWith(List.of(new ScriptedVcpu(0, fatal)));
            VmExit exit = control.awaitExit();
            assertEquals(ExitStatus.INTERNAL_ERROR, exit.status(), fatal.toString());
            assertTrue(exit.message().contains(fatal.toString()), exit.message());
        }
    }

    @Test
    void aDeviceFailureStopsTheVmAsAnInternalErrorNamingTheDevice() {
        pio.register("flaky", 0x500, 1, new io.stockade.hypervisor.devices.bus.BusDevice() {
            @Override
            public void read(long offset, byte[] data) { }

            @Override
            public void write(long offset, byte[] data) {
                throw new IllegalStateException("device bug");
            }
        });
        RunControl control = startedWith(List.of(new ScriptedVcpu(0, new VcpuExit.IoOut(0x500, 1, new byte[] {1}))));
        VmExit exit = control.awaitExit();
        assertEquals(ExitStatus.INTERNAL_ERROR, exit.status());
        assertTrue(exit.message().contains("flaky"), exit.message());
        assertEquals(1, releases.get());
    }

    @Test
    void pauseGivesUpWithAnErrorNamingTheVcpuThatIgnoresKicks() throws Exception {
        ScriptedVcpu stuck = new ScriptedVcpu(0, true);
        RunControl control = startedWith(List.of(stuck), Duration.ofMillis(50));
        stuck.awaitIdleInRun();

        var e = assertThrows(VmControlException.class, control::pause);
        assertTrue(e.getMessage().contains("vCPUs [0]"), e.getMessage());
        assertEquals(VmState.RUNNING, control.state());
        var stopFailure = assertThrows(VmControlException.class, control::stop);
        assertTrue(stopFailure.getMessage().contains("[0]"), stopFailure.getMessage());
        assertEquals(0, releases.get(), "memory stays mapped while a vCPU may still be running");

        stuck.stopIgnoringKicks();
        assertEquals(ExitStatus.HOST_STOP, control.awaitExit().status());
        assertEquals(1, releases.get());
    }

    @Test
    void pauseAndResumeAreRefusedOutsideTheirStates() {
        RunControl control = new RunControl(List.of(new ScriptedVcpu(0)), WAIT, releases::incrementAndGet);
        assertThrows(VmControlException.class, control::pause);
        assertThrows(VmControlException.class, control::resume);

        assertEquals(ExitStatus.HOST_STOP, control.stop().status(), "a never-started VM can be stopped");
        assertEquals(VmState.STOPPED, control.state());
        assertEquals(1, releases.get());
        var e = assertThrows(VmControlException.class, control::pause);
        assertTrue(e.getMessage().contains("STOPPED"), e.getMessage());
    }
}
