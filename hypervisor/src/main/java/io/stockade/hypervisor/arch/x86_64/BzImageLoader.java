package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Loads a {@code bzImage} for the 64-bit boot protocol: parses and validates the setup header, copies the
 * protected-mode payload (everything after the setup sectors) to its load address and reports the 64-bit entry at
 * load address + 0x200. The real-mode setup code is not loaded: we enter the kernel in long mode.
 */
final class BzImageLoader {
    /** Boot protocol 2.06 introduced {@code cmdline_size}; older kernels are not supported. */
    static final int MIN_PROTOCOL = 0x0206;
    static final long SECTOR = 512;
    /** Offset of the 64-bit entry point from the start of the protected-mode payload. */
    static final long ENTRY_64_OFFSET = 0x200;

    private BzImageLoader() {}

    static boolean hasHeaderMagic(byte[] start) {
        return start.length >= SetupHeader.HEADER + 4 && ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(SetupHeader.HEADER) == SetupHeader.HEADER_MAGIC;
    }

    static KernelImage load(BootFile file, GuestMemory memory) {
        SetupHeader header = parseHeader(file);

        long setupBytes = (header.setupSects() + 1L) * SECTOR;
        if (setupBytes >= file.size()) {
            throw file.error("setup_sects " + header.setupSects() + " (0x" + Long.toHexString(setupBytes)
                    + " bytes of setup code) leaves no protected-mode kernel in the " + file.size() + "-byte file");
        }
        long payloadBytes = file.size() - setupBytes;
        long syssizeBytes = header.syssize() * 16;
        // syssize is rounded up to 16-byte paragraphs, so it may exceed the payload by less than one paragraph.
        if (header.syssize() == 0 || syssizeBytes - payloadBytes >= 16) {
            throw file.error("syssize 0x" + Long.toHexString(header.syssize()) + " (" + syssizeBytes
                    + " bytes) does not match the " + payloadBytes + " bytes after the setup sectors");
        }

        long loadAddress;
        long runAddress; // where the kernel decompresses itself and runs
        if (header.relocatable()) {
            long alignment = header.kernelAlignment();
            if (alignment < MemoryLayout.PAGE_SIZE || alignment > (1L << 30) || Long.bitCount(alignment) != 1) {
                throw file.error("kernel_alignment 0x" + Long.toHexString(alignment)
                        + " is not a power of two between 4 KiB and 1 GiB");
            }
            loadAddress = MemoryLayout.HIGH_MEMORY_START;
            long aligned = (loadAddress + alignment - 1) & -alignment;
            runAddress = Math.max(aligned, validPrefAddress(file, header));
        } else {
            loadAddress = validPrefAddress(file, header);
            runAddress = loadAddress;
        }
        long initSize = header.initSize();
        if (initSize == 0) {
            throw file.error("init_size is 0");
        }
        long end = Math.max(loadAddress + payloadBytes, runAddress + initSize);
        if (!memory.isValid(loadAddress, end - loadAddress)) {
            throw file.error("kernel needs guest RAM [0x" + Long.toHexString(loadAddress) + ", 0x" + Long.toHexString(end)
                    + ") (payload 0x" + Long.toHexString(payloadBytes) + " bytes at 0x" + Long.toHexString(loadAddress)
                    + ", init_size 0x" + Long.toHexString(initSize) + " at 0x" + Long.toHexString(runAddress)
                    + "), which is not all RAM: give the guest more memory");
        }

        file.copyToGuest(setupBytes, payloadBytes, memory, loadAddress, "protected-mode kernel");
        return new KernelImage(file.path(), KernelImage.Format.BZIMAGE, loadAddress, loadAddress + ENTRY_64_OFFSET, end,
                header);
    }

    /** Parses the setup header and rejects kernels this loader cannot boot in 64-bit mode. */
    static SetupHeader parseHeader(BootFile file) {
        int available = (int) Math.min(file.size(), SetupHeader.END_LIMIT);
        if (available < SetupHeader.HEADER + 4) {
            throw file.error("neither an ELF vmlinux (no \\x7fELF magic) nor a bzImage (file of " + file.size()
                    + " bytes is too small for a setup header)");
        }
        byte[] start = file.read(0, available, "bzImage setup header");
        ByteBuffer b = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(SetupHeader.HEADER) != SetupHeader.HEADER_MAGIC) {
            throw file.error("neither an ELF vmlinux (no \\x7fELF magic) nor a bzImage (no \"HdrS\" magic at 0x202, found 0x"
                    + Integer.toHexString(b.getInt(SetupHeader.HEADER)) + ")");
        }
        int bootFlag = Short.toUnsignedInt(b.getShort(SetupHeader.BOOT_FLAG));
        if (bootFlag != SetupHeader.BOOT_FLAG_MAGIC) {
            throw file.error("boot_flag 0x" + Integer.toHexString(bootFlag) + " at 0x1fe is not 0xaa55");
        }
        int version = Short.toUnsignedInt(b.getShort(SetupHeader.VERSION));
        if (version < MIN_PROTOCOL) {
            throw file.error("boot protocol " + (version >> 8) + "." + String.format("%02d", version & 0xff)
                    + " is older than the required 2.06");
        }
        int headerEnd = SetupHeader.HEADER + Byte.toUnsignedInt(start[SetupHeader.JUMP + 1]);
        if (headerEnd < SetupHeader.MIN_END || headerEnd > SetupHeader.END_LIMIT || headerEnd > available) {
            throw file.error("setup header ends at 0x" + Integer.toHexString(headerEnd) + " (from the jump at 0x200);"
                    + " expected [0x" + Integer.toHexString(SetupHeader.MIN_END) + ", 0x"
                    + Integer.toHexString(Math.min(available, SetupHeader.END_LIMIT)) + "]");
        }
        SetupHeader header = SetupHeader.fromImage(start, headerEnd);
        if ((header.loadflags() & SetupHeader.LOADFLAG_LOADED_HIGH) == 0) {
            throw file.error("loadflags 0x" + Integer.toHexString(header.loadflags())
                    + " lack LOADED_HIGH: a zImage loaded at 0x10000 is not supported");
        }
        if (!header.hasKernel64Entry()) {
            throw file.error("xloadflags 0x" + Integer.toHexString(header.xloadflags())
                    + " lack XLF_KERNEL_64: the kernel has no 64-bit entry point");
        }
        return header;
    }

    private static long validPrefAddress(BootFile file, SetupHeader header) {
        long pref = header.prefAddress();
        if (pref < MemoryLayout.HIGH_MEMORY_START || pref >= MemoryLayout.MMIO_HOLE_START
                || pref % MemoryLayout.PAGE_SIZE != 0) {
            throw file.error("pref_address 0x" + Long.toUnsignedString(pref, 16)
                    + " is not a page-aligned address in [1 MiB, 3 GiB)"
                    + (header.relocatable() ? "" : "; the kernel is not relocatable, so it must be loaded there"));
        }
        return pref;
    }
}
