package io.stockade.hypervisor.main;

import io.stockade.hypervisor.vmm.SerialOutput;
import io.stockade.hypervisor.vmm.VmConfig;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code stockade-vmm} command line: options and their mapping to a {@link VmConfig}. */
@Command(name = "stockade-vmm", mixinStandardHelpOptions = true, version = "stockade-vmm 0.1.0",
        sortOptions = false,
        description = "Runs one KVM microVM: boots a Linux kernel (bzImage or ELF vmlinux) with an optional initrd, "
                + "a 16550A serial console, an i8042, hardware-reduced ACPI (the guest's poweroff ends the VM with exit "
                + "code 0) and a boot timer (guest writes 123 to port 0x440).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the guest powered off",
            "1:the VM could not be built or started (e.g. no usable /dev/kvm, unreadable kernel)",
            "2:invalid command line or configuration",
            "3:the guest rebooted (Stockade VMs do not reboot; reboot=k makes Linux use the i8042)",
            "4:a vCPU triple-faulted",
            "5:internal error (KVM could not run the guest, or a VMM failure)",
            "6:stopped by the host (control API Stop, SIGTERM or SIGINT)"})
final class VmmCommand {

    @Option(names = "--kernel", required = true, paramLabel = "PATH", description = "Linux bzImage or ELF vmlinux.")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "PATH", description = "Initramfs to load next to the kernel.")
    Path initrd;

    @Option(names = "--cmdline", paramLabel = "CMDLINE",
            description = "Kernel command line (default: ${DEFAULT-VALUE}).")
    String cmdline = VmConfig.DEFAULT_CMDLINE;

    @Option(names = "--cpus", paramLabel = "N", description = "Number of vCPUs (default: ${DEFAULT-VALUE}).")
    int cpus = VmConfig.DEFAULT_VCPUS;

    @Option(names = "--memory", paramLabel = "MiB", description = "Guest RAM in MiB (default: ${DEFAULT-VALUE}).")
    long memoryMib = VmConfig.DEFAULT_MEMORY_MIB;

    @Option(names = "--serial", paramLabel = "stdout|none|PATH",
            description = "Where the serial console goes (default: ${DEFAULT-VALUE}).")
    String serial = "stdout";

    @Option(names = "--api-socket", paramLabel = "PATH", description = "Serve the gRPC control API on this unix socket.")
    Path apiSocket;

    @Option(names = "--no-boot-timer", description = "Leave out the boot-timer device (port 0x440).")
    boolean noBootTimer;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "VMM log level on stderr: error, warn, info, debug (default: ${DEFAULT-VALUE}).")
    String logLevel = "info";

    /** @throws io.stockade.hypervisor.vmm.InvalidVmConfigException naming the bad option */
    VmConfig toConfig() {
        return new VmConfig(kernel, Optional.ofNullable(initrd), cmdline, cpus, memoryMib, SerialOutput.parse(serial),
                Optional.ofNullable(apiSocket), !noBootTimer);
    }
}
