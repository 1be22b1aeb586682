package io.stockade.hypervisor.sys;

/**
 * An ioctl request number with the name it has in the kernel headers, so errors can say
 * {@code ioctl(KVM_CREATE_VCPU)} instead of a hex number. The factories mirror the kernel's
 * {@code _IO/_IOR/_IOW/_IOWR} macros (asm-generic/ioctl.h, as used on x86-64).
 */
public record IoctlRequest(String name, long number) {
    private static final int NR_BITS = 8;
    private static final int TYPE_BITS = 8;
    private static final int SIZE_BITS = 14;
    private static final int TYPE_SHIFT = NR_BITS;
    private static final int SIZE_SHIFT = TYPE_SHIFT + TYPE_BITS;
    private static final int DIR_SHIFT = SIZE_SHIFT + SIZE_BITS;
    private static final long DIR_NONE = 0;
    private static final long DIR_WRITE = 1;
    private static final long DIR_READ = 2;

    /** {@code _IO(type, nr)}: no argument struct. */
    public static IoctlRequest io(String name, int type, int nr) {
        return encode(name, DIR_NONE, type, nr, 0);
    }

    /** {@code _IOR(type, nr, T)}: the kernel writes a {@code size}-byte struct back. */
    public static IoctlRequest ior(String name, int type, int nr, long size) {
        return encode(name, DIR_READ, type, nr, size);
    }

    /** {@code _IOW(type, nr, T)}: the kernel reads a {@code size}-byte struct. */
    public static IoctlRequest iow(String name, int type, int nr, long size) {
        return encode(name, DIR_WRITE, type, nr, size);
    }

    /** {@code _IOWR(type, nr, T)}: both directions. */
    public static IoctlRequest iowr(String name, int type, int nr, long size) {
        return encode(name, DIR_READ | DIR_WRITE, type, nr, size);
    }

    private static IoctlRequest encode(String name, long dir, int type, int nr, long size) {
        if (type < 0 || type >= 1 << TYPE_BITS || nr < 0 || nr >= 1 << NR_BITS || size < 0 || size >= 1L << SIZE_BITS) {
            throw new IllegalArgumentException("ioctl " + name + ": type 0x" + Integer.toHexString(type) + ", nr 0x"
                    + Integer.toHexString(nr) + " or size " + size + " out of range");
        }
        // A long on purpose: _IOR numbers have bit 31 set and must not sign-extend into the 64-bit argument.
        return new IoctlRequest(name, dir << DIR_SHIFT | size << SIZE_SHIFT | (long) type << TYPE_SHIFT | nr);
    }

    @Override
    public String toString() {
        return name + "(0x" + Long.toHexString(number) + ")";
    }
}
