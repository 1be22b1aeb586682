package io.stockade.hypervisor.main;

import io.stockade.hypervisor.vmm.DiskConfig;
import io.stockade.hypervisor.vmm.FsConfig;
import io.stockade.hypervisor.vmm.NetConfig;
import io.stockade.hypervisor.vmm.RngConfig;
import io.stockade.hypervisor.vmm.SerialOutput;
import io.stockade.hypervisor.vmm.VirtioDeviceConfig;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.hypervisor.vmm.VsockConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code stockade-vmm} command line: options and their mapping to a {@link VmConfig}. */
@Command(name = "stockade-vmm", mixinStandardHelpOptions = true, version = "stockade-vmm 0.1.0",
        sortOptions = false,
        description = "Runs one KVM microVM: boots a Linux kernel (bzImage or ELF vmlinux) with an optional initrd, "
                + "a 16550A serial console, an i8042, hardware-reduced ACPI (the guest's poweroff ends the VM with exit "
                + "code 0), a boot timer (guest writes 123 to port 0x440) and virtio-mmio disks, network interfaces, "
                + "vsock, entropy device and virtio-fs shares (announced both in the DSDT and as virtio_mmio.device= "
                + "parameters).",
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

    @Option(names = "--disk", paramLabel = "PATH[,ro][,id=ID]", converter = DeviceOptionConverters.Disk.class,
            description = "A virtio-blk disk backed by a raw image file; ro makes it read-only, id sets the serial the "
                    + "guest sees (default disk<N>). Repeatable.")
    List<DiskConfig> disks = new ArrayList<>();

    @Option(names = "--net", paramLabel = "tap=NAME[,netns=PATH][,mac=MAC]",
            converter = DeviceOptionConverters.Net.class,
            description = "A virtio-net interface on TAP device NAME (in the network namespace at PATH if given); "
                    + "a random local MAC unless given. Repeatable.")
    List<NetConfig> nets = new ArrayList<>();

    @Option(names = "--vsock", paramLabel = "cid=N,uds=PATH", converter = DeviceOptionConverters.Vsock.class,
            description = "A virtio-vsock device for guest CID N; host clients connect to the unix socket PATH "
                    + "(Firecracker's CONNECT <port> handshake), guest connections to port P reach PATH_P.")
    VsockConfig vsock;

    @Option(names = "--fs", paramLabel = "tag=TAG,socket=PATH", converter = DeviceOptionConverters.Fs.class,
            description = "A virtio-fs share with mount tag TAG served by the virtiofsd already listening on the unix "
                    + "socket PATH (the caller starts it); the guest mounts it with mount -t virtiofs TAG DIR. "
                    + "Repeatable.")
    List<FsConfig> shares = new ArrayList<>();

    @Option(names = "--rng", description = "A virtio-rng entropy device fed by the host's CSPRNG.")
    boolean rng;

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "VMM log level on stderr: error, warn, info, debug (default: ${DEFAULT-VALUE}).")
    String logLevel = "info";

    /** @throws io.stockade.hypervisor.vmm.InvalidVmConfigException naming the bad option */
    VmConfig toConfig() {
        return new VmConfig(kernel, Optional.ofNullable(initrd), cmdline, cpus, memoryMib, SerialOutput.parse(serial),
                Optional.ofNullable(apiSocket), !noBootTimer, devices());
    }

    /**
     * Disks first (in the order given), then interfaces, vsock, rng and shares: the guest numbers them in this order
     * (shares last, so adding one does not renumber the others).
     */
    private List<VirtioDeviceConfig> devices() {
        List<VirtioDeviceConfig> devices = new ArrayList<>(disks);
        devices.addAll(nets);
        if (vsock != null) {
            devices.add(vsock);
        }
        if (rng) {
            devices.add(new RngConfig());
        }
        devices.addAll(shares);
        return devices;
    }
}
