package io.stockade.hypervisor.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds Linux's {@code struct boot_params} (the "zero page", Documentation/arch/x86/zero-page.rst): the kernel's
 * setup header plus what the loader fills in, i.e. the command line pointer, the initrd location and the e820 map.
 */
final class ZeroPage {
    static final int SIZE = 4096;
    /** {@code acpi_rsdp_addr} (boot protocol 2.14+): spares the kernel its scan of the BIOS area. */
    static final int ACPI_RSDP_ADDR = 0x070;
    static final int EXT_RAMDISK_IMAGE = 0x0c0;
    static final int EXT_RAMDISK_SIZE = 0x0c4;
    static final int EXT_CMD_LINE_PTR = 0x0c8;
    static final int E820_ENTRIES = 0x1e8;
    static final int E820_TABLE = 0x2d0;
    /** Room in the zero page for e820 entries ({@code E820_MAX_ENTRIES_ZEROPAGE}). */
    static final int E820_MAX_ENTRIES = 128;

    private ZeroPage() {}

    /**
     * The zero page bytes.
     *
     * @param initrd the initrd's guest address and size, or {@code null} for none
     * @param acpiRsdpAddress where the ACPI RSDP is, or 0 for none
     */
    static byte[] build(SetupHeader header, long cmdlineAddress, Initrd initrd, List<E820Entry> e820,
                        long acpiRsdpAddress) {
        if (e820.size() > E820_MAX_ENTRIES) {
            throw new BootSetupException("e820 map has " + e820.size() + " entries; the zero page holds "
                    + E820_MAX_ENTRIES);
        }
        ByteBuffer page = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        page.put(SetupHeader.START, header.bytes());
        page.put(SetupHeader.TYPE_OF_LOADER, (byte) SetupHeader.LOADER_UNDEFINED);
        putSplit(page, SetupHeader.CMD_LINE_PTR, EXT_CMD_LINE_PTR, cmdlineAddress);
        if (initrd != null) {
            putSplit(page, SetupHeader.RAMDISK_IMAGE, EXT_RAMDISK_IMAGE, initrd.address());
            putSplit(page, SetupHeader.RAMDISK_SIZE, EXT_RAMDISK_SIZE, initrd.size());
        }
        page.putLong(ACPI_RSDP_ADDR, acpiRsdpAddress);
        page.put(E820_ENTRIES, (byte) e820.size());
        for (int i = 0; i < e820.size(); i++) {
            E820Entry entry = e820.get(i);
            int at = E820_TABLE + i * E820Entry.BYTES;
            page.putLong(at, entry.address());
            page.putLong(at + 8, entry.size());
            page.putInt(at + 16, entry.type());
        }
        return page.array();
    }

    /** Boot protocol 2.12 splits 64-bit values into a low half in the header and a high half elsewhere. */
    private static void putSplit(ByteBuffer page, int lowOffset, int highOffset, long value) {
        page.putInt(lowOffset, (int) value);
        page.putInt(highOffset, (int) (value >>> 32));
    }
}
