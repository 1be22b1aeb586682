package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.testkit.l1.Initramfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host control of a real running guest (inside L1): pause and resume kick the vCPUs out of KVM_RUN and let them
 * continue, a forced stop ends an idle guest, and a graceful stop (Ctrl+Alt+Del on the i8042) makes Linux reboot,
 * which ends the VM.
 */
@Tag("l1")
class VmLifecycleL1Test {

    static final Duration LIMIT = Duration.ofMinutes(5);

    /** Signals readiness through the boot timer, then idles forever printing a heartbeat. */
    static final String IDLE_INIT = """
            #!/bin/sh
            mount -t proc proc /proc
            mount -t devtmpfs dev /dev
            printf '\\173' | dd of=/dev/port bs=1 seek=%d count=1 2>/dev/null
            i=0
            while true; do i=$((i+1)); echo "STOCKADE-GUEST: heartbeat $i"; sleep 1; done
            """.formatted(io.stockade.hypervisor.devices.legacy.BootTimer.PORT);

    @TempDir
    Path dir;

    @Test
    void pauseResumeAndForcedStopOfARunningGuest() throws Exception {
        try (VirtualMachine vm = bootIdleGuest("forced")) {
            vm.pause();
            assertEquals(VmState.PAUSED, vm.state());
            vm.resume();
            assertEquals(VmState.RUNNING, vm.state());
            awaitHeartbeatAfterResume();

            VmExit exit = vm.stop();
            assertEquals(ExitStatus.HOST_STOP, exit.status());
            assertEquals(VmState.STOPPED, vm.state());
        }
    }

    @Test
    void gracefulStopMakesTheGuestRebootThroughCtrlAltDel() throws Exception {
        try (VirtualMachine vm = bootIdleGuest("graceful")) {
            vm.requestGracefulStop(LIMIT);
            VmExit exit = vm.exitFuture().get(LIMIT.toSeconds() + 30, TimeUnit.SECONDS);
            assertEquals(ExitStatus.REBOOT, exit.status(), "the guest handled Ctrl+Alt+Del itself: " + exit);
        }
    }

    private Path console;

    private VirtualMachine bootIdleGuest(String name) throws Exception {
        Path initrd = Initramfs.withBusybox().init(IDLE_INIT).writeGzip(dir.resolve("initrd.cpio.gz"));
        console = dir.resolve(name + "-console.log");
        VmConfig config = new VmConfig(VirtualMachineL1Test.kernel(), Optional.of(initrd),
                VirtualMachineL1Test.CMDLINE, 1, 128, new SerialOutput.ToFile(console), Optional.empty(), true);
        VirtualMachine vm = VirtualMachine.create(config, System.nanoTime());
        vm.start();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (vm.bootTimeSinceVmmStart().isEmpty()) {
            if (System.nanoTime() > deadline || vm.state() == VmState.STOPPED) {
                VmExit exit = vm.stop();
                fail("the guest did not reach init (" + exit + "); console:\n" + read(console));
            }
            Thread.sleep(200);
        }
        return vm;
    }

    /** The guest keeps running after resume: a heartbeat newer than the one before the pause shows up. */
    private void awaitHeartbeatAfterResume() throws Exception {
        int before = lastHeartbeat();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (lastHeartbeat() <= before) {
            if (System.nanoTime() > deadline) {
                fail("no heartbeat after resume; console:\n" + read(console));
            }
            Thread.sleep(200);
        }
        assertTrue(lastHeartbeat() > before);
    }

    private int lastHeartbeat() throws Exception {
        int last = 0;
        for (String line : read(console).split("\n")) {
            if (line.startsWith("STOCKADE-GUEST: heartbeat ")) {
                last = Integer.parseInt(line.substring("STOCKADE-GUEST: heartbeat ".length()).trim());
            }
        }
        return last;
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no console output)";
    }
}
