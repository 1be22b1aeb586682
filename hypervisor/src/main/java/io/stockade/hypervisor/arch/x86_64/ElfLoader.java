package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Loads an uncompressed ELF64 x86-64 {@code vmlinux}: validates the file header and every program header before
 * writing anything, then copies each PT_LOAD segment to its physical address ({@code p_paddr}) and zeroes its bss.
 * The kernel is entered at {@code e_entry}, which for vmlinux is the physical address of {@code startup_64}.
 */
final class ElfLoader {
    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    /** vmlinux has a handful of program headers; anything far beyond is not a kernel. */
    static final int MAX_PROGRAM_HEADERS = 128;

    static final int ELFCLASS64 = 2;
    static final int ELFDATA2LSB = 1;
    static final int ET_EXEC = 2;
    static final int EM_X86_64 = 62;
    static final int PT_LOAD = 1;

    private ElfLoader() {}

    static boolean hasElfMagic(byte[] start) {
        return start.length >= 4 && start[0] == 0x7f && start[1] == 'E' && start[2] == 'L' && start[3] == 'F';
    }

    private record Segment(int index, long fileOffset, long fileSize, long physicalAddress, long memorySize) {
        long end() {
            return physicalAddress + memorySize;
        }
    }

    static KernelImage load(BootFile file, GuestMemory memory) {
        ByteBuffer ehdr = ByteBuffer.wrap(file.read(0, EHDR_SIZE, "ELF header")).order(ByteOrder.LITTLE_ENDIAN);
        if (ehdr.get(4) != ELFCLASS64) {
            throw file.error("ELF class (EI_CLASS) " + ehdr.get(4) + " is not ELFCLASS64 (2): a 64-bit vmlinux is required");
        }
        if (ehdr.get(5) != ELFDATA2LSB) {
            throw file.error("ELF data encoding (EI_DATA) " + ehdr.get(5) + " is not little-endian (1)");
        }
        int type = Short.toUnsignedInt(ehdr.getShort(0x10));
        if (type != ET_EXEC) {
            throw file.error("ELF e_type " + type + " is not ET_EXEC (2)");
        }
        int machine = Short.toUnsignedInt(ehdr.getShort(0x12));
        if (machine != EM_X86_64) {
            throw file.error("ELF e_machine " + machine + " is not x86-64 (62)");
        }
        long entry = ehdr.getLong(0x18);
        long phoff = ehdr.getLong(0x20);
        int phentsize = Short.toUnsignedInt(ehdr.getShort(0x36));
        int phnum = Short.toUnsignedInt(ehdr.getShort(0x38));
        if (phentsize != PHDR_SIZE) {
            throw file.error("ELF e_phentsize " + phentsize + " is not " + PHDR_SIZE);
        }
        if (phnum == 0 || phnum > MAX_PROGRAM_HEADERS) {
            throw file.error("ELF e_phnum " + phnum + " outside [1, " + MAX_PROGRAM_HEADERS + "]");
        }
        if (phoff < 0 || phoff > file.size()) {
            throw file.error("ELF e_phoff 0x" + Long.toUnsignedString(phoff, 16) + " lies beyond the end of the file");
        }
        ByteBuffer phdrs = ByteBuffer.wrap(file.read(phoff, phnum * PHDR_SIZE, "ELF program headers"))
                .order(ByteOrder.LITTLE_ENDIAN);

        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int base = i * PHDR_SIZE;
            if (phdrs.getInt(base) != PT_LOAD) {
                continue;
            }
            Segment segment = new Segment(i, phdrs.getLong(base + 0x08), phdrs.getLong(base + 0x20),
                    phdrs.getLong(base + 0x18), phdrs.getLong(base + 0x28));
            validate(file, memory, segment);
            if (segment.memorySize() > 0) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            throw file.error("ELF file has no non-empty PT_LOAD segment");
        }
        segments.sort(Comparator.comparingLong(Segment::physicalAddress));
        for (int i = 1; i < segments.size(); i++) {
            Segment previous = segments.get(i - 1);
            Segment next = segments.get(i);
            if (next.physicalAddress() < previous.end()) {
                throw file.error("PT_LOAD segments " + previous.index() + " and " + next.index() + " overlap at 0x"
                        + Long.toHexString(next.physicalAddress()));
            }
        }
        if (segments.stream().noneMatch(s -> entry >= s.physicalAddress() && entry - s.physicalAddress() < s.fileSize())) {
            throw file.error("ELF e_entry 0x" + Long.toUnsignedString(entry, 16)
                    + " does not lie in the file-backed part of any PT_LOAD segment");
        }

        for (Segment s : segments) {
            file.copyToGuest(s.fileOffset(), s.fileSize(), memory, s.physicalAddress(), "PT_LOAD segment " + s.index());
            long bss = s.memorySize() - s.fileSize();
            if (bss > 0) {
                memory.segment(s.physicalAddress() + s.fileSize(), bss).fill((byte) 0);
            }
        }
        long load = segments.getFirst().physicalAddress();
        long end = segments.getLast().end();
        return new KernelImage(file.path(), KernelImage.Format.ELF_VMLINUX, load, entry, end, SetupHeader.forElf());
    }

    private static void validate(BootFile file, GuestMemory memory, Segment s) {
        String name = "PT_LOAD segment " + s.index();
        // Sizes and offsets are unsigned in ELF; anything with the top bit set is absurd and would wrap our maths.
        if (s.fileOffset() < 0 || s.fileSize() < 0 || s.memorySize() < 0 || s.physicalAddress() < 0) {
            throw file.error(name + " has an offset, size or address beyond 2^63 (p_offset 0x"
                    + Long.toUnsignedString(s.fileOffset(), 16) + ", p_filesz 0x" + Long.toUnsignedString(s.fileSize(), 16)
                    + ", p_memsz 0x" + Long.toUnsignedString(s.memorySize(), 16) + ", p_paddr 0x"
                    + Long.toUnsignedString(s.physicalAddress(), 16) + ")");
        }
        if (s.fileSize() > s.memorySize()) {
            throw file.error(name + " has p_filesz 0x" + Long.toHexString(s.fileSize()) + " larger than p_memsz 0x"
                    + Long.toHexString(s.memorySize()));
        }
        if (s.fileOffset() > file.size() || s.fileSize() > file.size() - s.fileOffset()) {
            throw file.error(name + " (p_offset 0x" + Long.toHexString(s.fileOffset()) + ", p_filesz 0x"
                    + Long.toHexString(s.fileSize()) + ") extends beyond the end of the " + file.size() + "-byte file");
        }
        if (s.memorySize() == 0) {
            return;
        }
        if (s.physicalAddress() < MemoryLayout.HIGH_MEMORY_START) {
            throw file.error(name + " p_paddr 0x" + Long.toHexString(s.physicalAddress())
                    + " lies below 1 MiB, where the boot structures (zero page, page tables, MP table) live");
        }
        if (!memory.isValid(s.physicalAddress(), s.memorySize())) {
            throw file.error(name + " [0x" + Long.toHexString(s.physicalAddress()) + ", +0x"
                    + Long.toHexString(s.memorySize()) + ") does not fit in guest RAM");
        }
    }
}
