package io.stockade.testkit.l1;

import java.nio.file.Path;

/**
 * Debian's stock x86-64 kernel as built into the L1 guest (from {@code scripts/l1/build.sh}'s cache). VMM tests boot
 * the same {@code vmlinuz} as their guest kernel: it reaches a serial console without any virtio device.
 *
 * @param vmlinuz    the bzImage
 * @param release    the kernel release, e.g. {@code 6.1.0-56-amd64}
 * @param modulesDir {@code lib/modules/<release>} of the extracted package, for tests that need a module in their
 *                   guest's initramfs
 */
public record L1Kernel(Path vmlinuz, String release, Path modulesDir) {

    /** The Debian kernel, building the L1 cache first if needed (needs apt; see scripts/l1/build.sh). */
    public static L1Kernel debian() {
        L1Build build = L1Build.get();
        return new L1Kernel(build.vmlinuz(), build.kernelRelease(),
                build.kernelTree().resolve("lib/modules").resolve(build.kernelRelease()));
    }
}
