package io.stockade.hypervisor.arch.x86_64.acpi;

/** The ACPI checksum rule: all bytes of a structure, checksum byte included, sum to zero modulo 256. */
final class Checksum {
    private Checksum() {}

    /** The byte that makes {@code bytes[from, from + length)} sum to zero, assuming its own slot holds 0. */
    static byte of(byte[] bytes, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += bytes[i];
        }
        return (byte) -sum;
    }

    /** Sets {@code bytes[at]} so that {@code bytes[from, from + length)} sums to zero. */
    static void fix(byte[] bytes, int from, int length, int at) {
        bytes[at] = 0;
        bytes[at] = of(bytes, from, length);
    }
}
