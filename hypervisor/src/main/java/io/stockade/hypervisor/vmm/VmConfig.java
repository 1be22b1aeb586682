package io.stockade.hypervisor.vmm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Everything needed to build and boot one microVM.
 *
 * <p>The constructor checks what can be checked without touching the host (ranges, lengths, characters);
 * {@link #checkHostFiles()} then checks that the named files exist, which the VMM does right before it
 * builds the VM. Both throw {@link InvalidVmConfigException} naming the setting.
 *
 * @param kernel a bzImage or an ELF vmlinux
 * @param initrd an initramfs loaded next to the kernel, if any
 * @param cmdline the kernel command line
 * @param vcpus number of vCPUs, 1..{@value #MAX_VCPUS}
 * @param memoryMib guest RAM in MiB, {@value #MIN_MEMORY_MIB}..{@value #MAX_MEMORY_MIB}
 * @param serial where the serial console goes
 * @param apiSocket the unix socket path of the gRPC control API, if served
 * @param bootTimer whether the boot-timer device (I/O port 0x440) is present
 * @param devices the virtio devices, each on its own virtio-mmio window and IRQ, in this order
 */
public record VmConfig(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long memoryMib,
                       SerialOutput serial, Optional<Path> apiSocket, boolean bootTimer,
                       List<VirtioDeviceConfig> devices) {

    /**
     * Firecracker's defaults with the serial console: {@code reboot=k} resets through the i8042 (a reboot ends the
     * VM), {@code pci=off} (no PCI bus), the i8042 without mouse port or multiplexer. ACPI stays on: the VM has
     * hardware-reduced ACPI tables, which is how {@code poweroff} reaches the VMM.
     */
    public static final String DEFAULT_CMDLINE =
            "console=ttyS0 reboot=k panic=1 pci=off nomodule i8042.noaux i8042.nomux i8042.dumbkbd";
    public static final int DEFAULT_VCPUS = 1;
    public static final long DEFAULT_MEMORY_MIB = 128;

    /** The MP table and xAPIC ids give at most 254 CPUs; far beyond what a pod needs. */
    public static final int MAX_VCPUS = 254;
    public static final long MIN_MEMORY_MIB = 16;
    /** 1 TiB: a sanity bound, not a limit of the memory layout. */
    public static final long MAX_MEMORY_MIB = 1L << 20;
    /** x86 Linux's COMMAND_LINE_SIZE including the terminating NUL. */
    public static final int MAX_CMDLINE_BYTES = 2048;
    /** {@code sizeof(sockaddr_un.sun_path)} minus the terminating NUL. */
    public static final int MAX_SOCKET_PATH_BYTES = 107;

    public VmConfig {
        if (kernel == null) {
            throw new InvalidVmConfigException("kernel: a kernel image is required");
        }
        initrd = Objects.requireNonNullElse(initrd, Optional.empty());
        apiSocket = Objects.requireNonNullElse(apiSocket, Optional.empty());
        serial = Objects.requireNonNullElse(serial, new SerialOutput.Stdout());
        if (cmdline == null) {
            cmdline = DEFAULT_CMDLINE;
        }
        if (cmdline.indexOf('\0') >= 0) {
            throw new InvalidVmConfigException("cmdline: contains a NUL character");
        }
        int cmdlineBytes = cmdline.getBytes(StandardCharsets.UTF_8).length;
        if (cmdlineBytes >= MAX_CMDLINE_BYTES) {
            throw new InvalidVmConfigException("cmdline: " + cmdlineBytes + " bytes, the limit is "
                    + (MAX_CMDLINE_BYTES - 1));
        }
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new InvalidVmConfigException("vcpus: " + vcpus + " is outside 1.." + MAX_VCPUS);
        }
        if (memoryMib < MIN_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB) {
            throw new InvalidVmConfigException("memory: " + memoryMib + " MiB is outside " + MIN_MEMORY_MIB + ".."
                    + MAX_MEMORY_MIB + " MiB");
        }
        apiSocket.ifPresent(socket -> {
            int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
            if (length > MAX_SOCKET_PATH_BYTES) {
                throw new InvalidVmConfigException("api socket: path " + socket + " is " + length
                        + " bytes, a unix socket path allows at most " + MAX_SOCKET_PATH_BYTES);
            }
        });
        devices = List.copyOf(Objects.requireNonNullElse(devices, List.of()));
        checkDevices(devices);
    }

    /** A config without virtio devices. */
    public VmConfig(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long memoryMib,
                    SerialOutput serial, Optional<Path> apiSocket, boolean bootTimer) {
        this(kernel, initrd, cmdline, vcpus, memoryMib, serial, apiSocket, bootTimer, List.of());
    }

    /** This config with {@code devices} instead of its virtio devices. */
    public VmConfig withDevices(List<VirtioDeviceConfig> devices) {
        return new VmConfig(kernel, initrd, cmdline, vcpus, memoryMib, serial, apiSocket, bootTimer, devices);
    }

    private static void checkDevices(List<VirtioDeviceConfig> devices) {
        if (devices.size() > VirtioSlots.MAX_DEVICES) {
            throw new InvalidVmConfigException("devices: " + devices.size() + " virtio devices, but only "
                    + VirtioSlots.MAX_DEVICES + " interrupt lines are free for them");
        }
        Set<String> diskIds = new HashSet<>();
        Set<Path> diskPaths = new HashSet<>();
        Set<String> taps = new HashSet<>();
        int index = 0;
        int vsocks = 0;
        Set<String> fsTags = new HashSet<>();
        for (VirtioDeviceConfig device : devices) {
            switch (device) {
                case null -> throw new InvalidVmConfigException("devices: entry " + index + " is null");
                case DiskConfig disk -> {
                    if (!diskIds.add(disk.idOrDefault(index))) {
                        throw new InvalidVmConfigException(disk.describe() + ": another disk already has id "
                                + disk.idOrDefault(index));
                    }
                    if (!diskPaths.add(disk.path().toAbsolutePath().normalize())) {
                        throw new InvalidVmConfigException(disk.describe() + ": the image is already attached as"
                                + " another disk");
                    }
                }
                case NetConfig net -> {
                    String key = net.netns().map(Path::toString).orElse("") + ":" + net.tap();
                    if (!taps.add(key)) {
                        throw new InvalidVmConfigException(net.describe() + ": TAP attached twice");
                    }
                }
                case VsockConfig vsock -> {
                    if (++vsocks > 1) {
                        throw new InvalidVmConfigException(vsock.describe() + ": a VM has at most one vsock device");
                    }
                }
                case FsConfig fs -> {
                    if (!fsTags.add(fs.tag())) {
                        throw new InvalidVmConfigException(fs.describe() + ": another fs device already has tag "
                                + fs.tag());
                    }
                }
                case RngConfig rng -> {
                }
            }
            index++;
        }
    }

    /** A config with the defaults for everything but the kernel. */
    public static VmConfig withDefaults(Path kernel) {
        return new VmConfig(kernel, Optional.empty(), DEFAULT_CMDLINE, DEFAULT_VCPUS, DEFAULT_MEMORY_MIB,
                new SerialOutput.Stdout(), Optional.empty(), true);
    }

    /** Guest RAM in bytes. */
    public long memoryBytes() {
        return memoryMib << 20;
    }

    /**
     * Checks that the kernel, initrd and disk images are readable regular files (writable disks writable), that
     * the serial file and the API and vsock sockets can be created where they are named, and that virtio-fs backend
     * sockets exist.
     */
    public void checkHostFiles() {
        requireReadableFile("kernel", kernel);
        initrd.ifPresent(path -> requireReadableFile("initrd", path));
        if (serial instanceof SerialOutput.ToFile(Path path)) {
            requireParentDirectory("serial", path);
        }
        apiSocket.ifPresent(path -> {
            requireParentDirectory("api socket", path);
            if (Files.exists(path)) {
                throw new InvalidVmConfigException("api socket: " + path + " already exists (another VMM running?)");
            }
        });
        for (VirtioDeviceConfig device : devices) {
            switch (device) {
                case DiskConfig disk -> disk.checkHostFiles();
                case VsockConfig vsock -> vsock.checkHostFiles();
                case FsConfig fs -> fs.checkHostFiles();
                case NetConfig net -> net.netns().ifPresent(path -> requireReadableFile(net.describe() + ": netns",
                        path));
                case RngConfig rng -> {
                }
            }
        }
    }

    private static void requireReadableFile(String setting, Path path) {
        if (!Files.isRegularFile(path)) {
            throw new InvalidVmConfigException(setting + ": " + path + " is not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new InvalidVmConfigException(setting + ": " + path + " is not readable");
        }
    }

    private static void requireParentDirectory(String setting, Path path) {
        Path parent = path.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new InvalidVmConfigException(setting + ": directory of " + path + " does not exist");
        }
    }
}
