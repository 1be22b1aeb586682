package io.stockade.testkit.l1;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Checks that a binary can run alone in an initramfs: a 64-bit x86 ELF without a program interpreter (a dynamically
 * linked binary has a PT_INTERP header naming ld.so, which the initramfs does not contain).
 */
final class StaticElf {
    private static final int PT_INTERP = 3;
    private static final int EM_X86_64 = 62;

    private StaticElf() {}

    static void check(Path source, byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (elf.length < 64 || b.getInt(0) != 0x464c457f || elf[4] != 2 || elf[5] != 1) {
            throw new IllegalStateException(source + " is not a 64-bit little-endian ELF binary");
        }
        if (Short.toUnsignedInt(b.getShort(18)) != EM_X86_64) {
            throw new IllegalStateException(source + " is not an x86-64 binary");
        }
        long phoff = b.getLong(32);
        int phentsize = Short.toUnsignedInt(b.getShort(54));
        int phnum = Short.toUnsignedInt(b.getShort(56));
        if (phoff < 0 || phentsize < 4 || phoff + (long) phentsize * phnum > elf.length) {
            throw new IllegalStateException(source + " has a corrupt ELF program header table");
        }
        for (int i = 0; i < phnum; i++) {
            if (b.getInt((int) (phoff + (long) i * phentsize)) == PT_INTERP) {
                throw new IllegalStateException(source + " is dynamically linked and cannot run in an initramfs;"
                        + " use a static build (Debian: apt-get install busybox-static)");
            }
        }
    }
}
