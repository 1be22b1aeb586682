package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.arch.x86_64.acpi.VirtioMmioDevice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to boot: a kernel (ELF vmlinux or bzImage), an optional initrd, the kernel command line, the number of vCPUs,
 * the amount of guest RAM and the virtio-mmio devices the ACPI tables announce. Validated on construction where no
 * kernel is needed to judge; the kernel's own command line limit is checked by {@link BootSetup}.
 */
public record BootConfig(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long ramBytes,
                         List<VirtioMmioDevice> virtioDevices) {
    /** APIC ids 0..vcpus-1 go to CPUs and id {@code vcpus} to the I/O APIC; 0xff is the broadcast id. */
    public static final int MAX_VCPUS = 254;

    public BootConfig {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(cmdline, "cmdline");
        virtioDevices = List.copyOf(virtioDevices);
        if (vcpus < 1 || vcpus > MAX_VCPUS) {
            throw new BootSetupException("vCPU count " + vcpus + " outside [1, " + MAX_VCPUS + "]");
        }
        try {
            MemoryLayout.ramRegions(ramBytes);
        } catch (IllegalArgumentException e) {
            throw new BootSetupException(e.getMessage());
        }
        int nul = cmdline.indexOf('\0');
        if (nul >= 0) {
            throw new BootSetupException("kernel command line contains a NUL character at index " + nul);
        }
        int length = cmdlineBytes(cmdline).length;
        if (length > MemoryLayout.CMDLINE_MAX_BYTES - 1) {
            throw new BootSetupException("kernel command line is " + length + " bytes; at most "
                    + (MemoryLayout.CMDLINE_MAX_BYTES - 1) + " fit (plus the terminating NUL)");
        }
    }

    /** A machine without virtio devices. */
    public BootConfig(Path kernel, Optional<Path> initrd, String cmdline, int vcpus, long ramBytes) {
        this(kernel, initrd, cmdline, vcpus, ramBytes, List.of());
    }

    static byte[] cmdlineBytes(String cmdline) {
        return cmdline.getBytes(StandardCharsets.UTF_8);
    }
}
