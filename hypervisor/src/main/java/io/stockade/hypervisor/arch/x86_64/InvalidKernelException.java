package io.stockade.hypervisor.arch.x86_64;

import java.nio.file.Path;

/**
 * A kernel file that is neither a usable 64-bit ELF {@code vmlinux} nor a usable {@code bzImage}. The message names
 * the file and the field (and its value) that disqualified it, e.g. {@code kernel /k/vmlinux: ELF e_machine 3 is not
 * x86-64 (62)}.
 */
public final class InvalidKernelException extends BootSetupException {
    private final Path kernel;

    public InvalidKernelException(Path kernel, String problem) {
        super("kernel " + kernel + ": " + problem);
        this.kernel = kernel;
    }

    /** The kernel file that was rejected. */
    public Path kernel() {
        return kernel;
    }
}
