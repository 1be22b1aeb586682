package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.file.Path;

/**
 * Loads a Linux kernel into guest memory for the 64-bit boot protocol. Accepts an ELF64 {@code vmlinux} (detected by
 * its ELF magic) or a {@code bzImage} (detected by the "HdrS" setup header magic). All sizes and offsets from the
 * file are validated before anything is written to guest memory.
 */
public final class LinuxLoader {
    private LinuxLoader() {}

    /**
     * Loads {@code kernel} into {@code memory}.
     *
     * @throws InvalidKernelException if the file is not a kernel we can boot, naming the offending field
     * @throws java.io.UncheckedIOException if the file cannot be read
     */
    public static KernelImage load(GuestMemory memory, Path kernel) {
        try (BootFile file = BootFile.openKernel(kernel)) {
            byte[] magic = file.read(0, (int) Math.min(4, file.size()), "file magic");
            if (ElfLoader.hasElfMagic(magic)) {
                return ElfLoader.load(file, memory);
            }
            return BzImageLoader.load(file, memory);
        }
    }
}
