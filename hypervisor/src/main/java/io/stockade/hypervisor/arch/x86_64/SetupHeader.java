package io.stockade.hypervisor.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The Linux x86 boot protocol's {@code struct setup_header}: the part of the zero page that comes from the kernel
 * image (Documentation/arch/x86/boot.rst). A bzImage carries its own at file offset 0x1f1; for an ELF vmlinux the
 * loader synthesizes one. Immutable; offsets below are absolute zero-page offsets, as in boot.rst.
 */
public final class SetupHeader {
    /** First byte of the header inside boot_params (and inside a bzImage file). */
    static final int START = 0x1f1;
    /** End (exclusive) of the room boot_params reserves for the header. */
    static final int END_LIMIT = 0x290;

    static final int SETUP_SECTS = 0x1f1;
    static final int SYSSIZE = 0x1f4;
    static final int BOOT_FLAG = 0x1fe;
    static final int JUMP = 0x200;
    static final int HEADER = 0x202;
    static final int VERSION = 0x206;
    static final int TYPE_OF_LOADER = 0x210;
    static final int LOADFLAGS = 0x211;
    static final int RAMDISK_IMAGE = 0x218;
    static final int RAMDISK_SIZE = 0x21c;
    static final int CMD_LINE_PTR = 0x228;
    static final int INITRD_ADDR_MAX = 0x22c;
    static final int KERNEL_ALIGNMENT = 0x230;
    static final int RELOCATABLE_KERNEL = 0x234;
    static final int XLOADFLAGS = 0x236;
    static final int CMDLINE_SIZE = 0x238;
    static final int PREF_ADDRESS = 0x258;
    static final int INIT_SIZE = 0x260;
    /** The last field this loader reads ({@code init_size}) ends here; shorter headers are too old for us. */
    static final int MIN_END = INIT_SIZE + 4;

    static final int BOOT_FLAG_MAGIC = 0xAA55;
    /** "HdrS" read as a little-endian int. */
    static final int HEADER_MAGIC = 0x5372_6448;
    static final int LOADFLAG_LOADED_HIGH = 0x01;
    static final int XLF_KERNEL_64 = 0x01;
    /** "Undefined" loader id: we are not one of the boot loaders registered in boot.rst. */
    static final int LOADER_UNDEFINED = 0xff;

    private final byte[] bytes; // END_LIMIT - START bytes, zero beyond the header's own end

    private SetupHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The header as found in a bzImage: {@code image} holds at least the file's first {@code headerEnd} bytes and
     * {@code headerEnd} (from the jump at 0x200) lies in [{@link #MIN_END}, {@link #END_LIMIT}].
     */
    static SetupHeader fromImage(byte[] image, int headerEnd) {
        if (headerEnd < MIN_END || headerEnd > END_LIMIT || image.length < headerEnd) {
            throw new IllegalArgumentException("setup header end 0x" + Integer.toHexString(headerEnd)
                    + " outside [0x" + Integer.toHexString(MIN_END) + ", 0x" + Integer.toHexString(END_LIMIT) + "]");
        }
        byte[] copy = new byte[END_LIMIT - START];
        System.arraycopy(image, START, copy, 0, headerEnd - START);
        return new SetupHeader(copy);
    }

    /**
     * The header a loader presents to an ELF vmlinux, which has none of its own: the boot-sector and "HdrS" magics,
     * an undefined loader type, the default 16 MiB kernel alignment and the x86 command line and initrd limits.
     */
    static SetupHeader forElf() {
        ByteBuffer b = ByteBuffer.allocate(END_LIMIT - START).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(BOOT_FLAG - START, (short) BOOT_FLAG_MAGIC);
        b.putInt(HEADER - START, HEADER_MAGIC);
        b.put(TYPE_OF_LOADER - START, (byte) LOADER_UNDEFINED);
        b.putInt(KERNEL_ALIGNMENT - START, 0x100_0000);
        b.putInt(CMDLINE_SIZE - START, MemoryLayout.CMDLINE_MAX_BYTES - 1);
        b.putInt(INITRD_ADDR_MAX - START, 0x7fff_ffff);
        return new SetupHeader(b.array());
    }

    /** The header bytes, to be copied to boot_params at offset {@link #START}. */
    byte[] bytes() {
        return bytes.clone();
    }

    private ByteBuffer view() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Boot protocol version, e.g. {@code 0x020f} for 2.15 (0 for a synthesized ELF header). */
    public int version() {
        return Short.toUnsignedInt(view().getShort(VERSION - START));
    }

    /** Number of 512-byte setup sectors after the boot sector, with the historical "0 means 4" applied. */
    public int setupSects() {
        int sects = Byte.toUnsignedInt(bytes[SETUP_SECTS - START]);
        return sects == 0 ? 4 : sects;
    }

    /** Size of the protected-mode code in 16-byte paragraphs. */
    public long syssize() {
        return Integer.toUnsignedLong(view().getInt(SYSSIZE - START));
    }

    public int loadflags() {
        return Byte.toUnsignedInt(bytes[LOADFLAGS - START]);
    }

    public int xloadflags() {
        return Short.toUnsignedInt(view().getShort(XLOADFLAGS - START));
    }

    /** Whether the kernel offers the 64-bit entry point at load address + 0x200. */
    public boolean hasKernel64Entry() {
        return (xloadflags() & XLF_KERNEL_64) != 0;
    }

    public boolean relocatable() {
        return bytes[RELOCATABLE_KERNEL - START] != 0;
    }

    public long kernelAlignment() {
        return Integer.toUnsignedLong(view().getInt(KERNEL_ALIGNMENT - START));
    }

    /** Highest address the initrd's last byte may occupy. */
    public long initrdAddrMax() {
        return Integer.toUnsignedLong(view().getInt(INITRD_ADDR_MAX - START));
    }

    /** Maximum command line length, excluding the terminating NUL. */
    public long cmdlineSize() {
        return Integer.toUnsignedLong(view().getInt(CMDLINE_SIZE - START));
    }

    /** The address a non-relocatable kernel must be loaded at (and the kernel's LOAD_PHYSICAL_ADDR). */
    public long prefAddress() {
        return view().getLong(PREF_ADDRESS - START);
    }

    /** Bytes of linear memory the kernel needs from its (aligned) load address to finish booting. */
    public long initSize() {
        return Integer.toUnsignedLong(view().getInt(INIT_SIZE - START));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetupHeader other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SetupHeader[version=0x" + Integer.toHexString(version()) + ", relocatable=" + relocatable()
                + ", xloadflags=0x" + Integer.toHexString(xloadflags()) + ", kernelAlignment=0x"
                + Long.toHexString(kernelAlignment()) + ", initSize=0x" + Long.toHexString(initSize()) + "]";
    }
}
