package io.stockade.hypervisor.arch.x86_64;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A kernel that {@link LinuxLoader} has placed in guest memory: where execution starts (the 64-bit entry), where the
 * image was loaded, the first address the kernel will not claim while booting, and the setup header the zero page
 * must carry.
 *
 * @param endAddress first guest address past everything the kernel occupies during early boot (its loaded image,
 *     bss, and for a bzImage the {@code init_size} decompression area); the initrd is placed above it
 */
public record KernelImage(Path path, Format format, long loadAddress, long entryPoint, long endAddress,
                          SetupHeader setupHeader) {
    /** How the kernel file was laid out. */
    public enum Format {
        /** An uncompressed ELF64 {@code vmlinux}, entered at its {@code e_entry}. */
        ELF_VMLINUX,
        /** A compressed {@code bzImage}, entered at its 64-bit entry (load address + 0x200). */
        BZIMAGE
    }

    public KernelImage {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(setupHeader, "setupHeader");
        if (loadAddress < 0 || entryPoint < loadAddress || endAddress <= entryPoint) {
            throw new IllegalArgumentException("inconsistent kernel placement: load 0x" + Long.toHexString(loadAddress)
                    + ", entry 0x" + Long.toHexString(entryPoint) + ", end 0x" + Long.toHexString(endAddress));
        }
    }
}
