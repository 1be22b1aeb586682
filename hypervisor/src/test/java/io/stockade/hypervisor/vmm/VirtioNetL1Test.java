package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.stockade.hypervisor.devices.virtio.net.MacAddress;
import io.stockade.testkit.l1.Initramfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's stock kernel with a virtio-net device backed by a TAP in a network namespace the test made, and
 * proves traffic flows both ways: the guest ({@code virtio_net} module, busybox {@code ip}/{@code ping}) pings the
 * TAP's address, then waits until the host side has pinged it from inside the namespace before powering off.
 *
 * <p>Runs inside L1 as root ({@link VmmKvmTierTest}); L1's init loads {@code tun} ({@code scripts/l1/build.sh}).
 * The host has no {@code ping}, so the host side uses busybox's.
 */
@Tag("l1")
class VirtioNetL1Test {

    static final String HOST_ADDRESS = "10.77.0.1";
    static final String GUEST_ADDRESS = "10.77.0.2";
    static final String TAP = "stk-l1tap0";
    static final MacAddress GUEST_MAC = MacAddress.parse("52:54:00:77:00:02");
    /** How long the guest waits for the host's echo requests before giving up (and saying so). */
    static final int GUEST_WAIT_SECONDS = 60;
    /** How long the host waits for the guest to say its interface is configured. */
    static final Duration READY_LIMIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void theGuestPingsTheTapAndTheHostPingsTheGuestFromInsideTheNamespace() throws Exception {
        String netns = "stk-l1net-" + ProcessHandle.current().pid();
        run("ip", "netns", "add", netns);
        try {
            run("ip", "-n", netns, "tuntap", "add", "dev", TAP, "mode", "tap");
            run("ip", "-n", netns, "addr", "add", HOST_ADDRESS + "/24", "dev", TAP);
            run("ip", "-n", netns, "link", "set", TAP, "up");
            run("ip", "-n", netns, "link", "set", "lo", "up");

            List<Path> modules = VirtioDevicesL1Test.resolveModules(
                    Path.of(System.getProperty(VirtioDevicesL1Test.MODULES_PROPERTY)), List.of("virtio_mmio",
                            "virtio_net"));
            NetConfig net = new NetConfig(TAP, Optional.of(Path.of("/run/netns", netns)), Optional.of(GUEST_MAC));
            String[] hostPing = new String[1];
            String console = GuestBoot.run(dir, "net", modules, List.of(net), """
                    ip link set eth0 up
                    ip addr add %1$s/24 dev eth0
                    say "mac=$(cat /sys/class/net/eth0/address)"
                    ping -c 3 -W 5 %2$s > /tmp/ping.out 2>&1; status=$?
                    say "guest ping: $(grep 'packets transmitted' /tmp/ping.out) (exit $status)"
                    say "ready for host pings"
                    waited=0
                    while [ "$(awk '/^Icmp: [0-9]/ { print $10 }' /proc/net/snmp)" -lt 3 ]; do
                      [ $waited -ge %3$d ] && { say "no host pings within %3$d s"; break; }
                      sleep 1; waited=$((waited + 1))
                    done
                    say "echo requests received=$(awk '/^Icmp: [0-9]/ { print $10 }' /proc/net/snmp)"
                    """.formatted(GUEST_ADDRESS, HOST_ADDRESS, GUEST_WAIT_SECONDS),
                    GuestBoot.step(VirtioDevicesL1Test.SAY + "ready for host pings", READY_LIMIT, () ->
                            hostPing[0] = run("ip", "netns", "exec", netns, "/bin/busybox", "ping", "-c", "3",
                                    "-W", "5", GUEST_ADDRESS)));

            assertTrue(console.contains(VirtioDevicesL1Test.SAY + "mac=52:54:00:77:00:02"),
                    "the guest's eth0 has the configured MAC:\n" + console);
            assertTrue(console.contains(VirtioDevicesL1Test.SAY
                            + "guest ping: 3 packets transmitted, 3 packets received, 0% packet loss (exit 0)"),
                    "guest -> host ping:\n" + console);
            assertTrue(hostPing[0].contains("3 packets transmitted, 3 packets received"),
                    "host -> guest ping from inside " + netns + ":\n" + hostPing[0]);
            assertTrue(console.contains(VirtioDevicesL1Test.SAY + "echo requests received=3"),
                    "the guest counted the host's echo requests:\n" + console);
        } finally {
            run("ip", "netns", "delete", netns);
        }
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue()
                    + ": " + out);
        }
        return out;
    }

    /**
     * Boots a busybox guest that loads modules, runs a script and powers off, while the test acts on the host once
     * the console shows a line; shared by the L1 tests of devices whose host side takes part.
     */
    static final class GuestBoot {

        /** Something the host does once {@code line} appears on the console, within {@code limit}. */
        record Step(String line, Duration limit, HostAction action) {}

        @FunctionalInterface
        interface HostAction {
            void run() throws Exception;
        }

        static Step step(String line, Duration limit, HostAction action) {
            return new Step(line, limit, action);
        }

        private GuestBoot() {
        }

        /** Boots with {@code devices}, runs {@code script} in the guest and {@code step} on the host; the console. */
        static String run(Path dir, String name, List<Path> modules, List<VirtioDeviceConfig> devices, String script,
                          Step step) throws Exception {
            StringBuilder init = new StringBuilder("""
                    #!/bin/sh
                    mount -t proc proc /proc
                    mount -t sysfs sys /sys
                    mount -t devtmpfs dev /dev
                    mkdir -p /tmp
                    say() { echo "%s$*"; }
                    """.formatted(VirtioDevicesL1Test.SAY));
            Initramfs initramfs = Initramfs.withBusybox();
            for (Path module : modules) {
                String file = module.getFileName().toString();
                initramfs.copy(module, "lib/modules/" + file, 0644);
                init.append("insmod /lib/modules/").append(file).append(" || say \"insmod ").append(file)
                        .append(" failed\"\n");
            }
            init.append(script).append("""
                    say "done"
                    poweroff -f
                    sleep 30
                    """);
            Path initrd = initramfs.init(init.toString()).writeGzip(dir.resolve(name + "-initrd.cpio.gz"));
            Path console = dir.resolve("virtio-" + name + "-console.log");
            VmConfig config = new VmConfig(VirtualMachineL1Test.kernel(), Optional.of(initrd),
                    VirtioDevicesL1Test.CMDLINE, 1, 256, new SerialOutput.ToFile(console), Optional.empty(), false,
                    devices);
            VmExit exit;
            try (VirtualMachine vm = VirtualMachine.create(config, System.nanoTime())) {
                vm.start();
                try {
                    awaitLine(console, step.line(), step.limit(), vm);
                    step.action().run();
                    exit = vm.exitFuture().get(VirtualMachineL1Test.BOOT_LIMIT.toSeconds(), TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    VirtualMachineL1Test.keep(console);
                    fail("the " + name + " guest did not power off within " + VirtualMachineL1Test.BOOT_LIMIT
                            + "; console:\n" + VirtualMachineL1Test.tail(console));
                    return "";
                } catch (Exception | AssertionError e) {
                    VirtualMachineL1Test.keep(console);
                    throw e;
                }
            }
            VirtualMachineL1Test.keep(console);
            String output = Files.readString(console, StandardCharsets.UTF_8);
            assertEquals(ExitStatus.POWEROFF, exit.status(), "exit " + exit + "; console:\n"
                    + VirtualMachineL1Test.tail(console));
            assertTrue(output.contains(VirtioDevicesL1Test.SAY + "done"), output);
            assertFalse(output.contains(VirtioDevicesL1Test.SAY + "insmod "), "a module did not load:\n" + output);
            return output;
        }

        /** Polls the console until {@code line} appears; fails with the console's tail if the guest ends first. */
        private static void awaitLine(Path console, String line, Duration limit, VirtualMachine vm) throws Exception {
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                if (Files.exists(console)
                        && new String(Files.readAllBytes(console), StandardCharsets.UTF_8).contains(line)) {
                    return;
                }
                if (vm.exitFuture().isDone()) {
                    fail("the guest ended (" + vm.exitFuture().get() + ") before printing \"" + line
                            + "\"; console:\n" + VirtualMachineL1Test.tail(console));
                }
                if (System.nanoTime() > deadline) {
                    fail("no \"" + line + "\" on the console within " + limit + "; console:\n"
                            + VirtualMachineL1Test.tail(console));
                }
                Thread.sleep(200);
            }
        }
    }
}
