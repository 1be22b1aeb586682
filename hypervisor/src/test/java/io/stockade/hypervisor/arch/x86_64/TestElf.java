package io.stockade.hypervisor.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Assembles small ELF64 files byte by byte, so loader tests control every header field. */
final class TestElf {
    /** One program header; {@code offset} < 0 means "place the content after the headers". */
    record Segment(int type, long offset, long paddr, long filesz, long memsz, byte[] content) {}

    byte elfClass = 2;
    byte dataEncoding = 1;
    short type = 2;
    short machine = 62;
    long entry = 0x10_0000;
    short phentsize = 56;
    long phoff = 64;
    final List<Segment> segments = new ArrayList<>();

    /** A loadable segment at {@code paddr} holding {@code content}, with {@code bss} zero bytes after it. */
    TestElf load(long paddr, byte[] content, long bss) {
        segments.add(new Segment(1, -1, paddr, content.length, content.length + bss, content));
        return this;
    }

    TestElf segment(Segment segment) {
        segments.add(segment);
        return this;
    }

    byte[] build() {
        int headers = 64 + segments.size() * 56;
        int contentBytes = segments.stream().mapToInt(s -> s.content().length).sum();
        ByteBuffer b = ByteBuffer.allocate(headers + contentBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', elfClass, dataEncoding, 1});
        b.putShort(0x10, type);
        b.putShort(0x12, machine);
        b.putInt(0x14, 1);
        b.putLong(0x18, entry);
        b.putLong(0x20, phoff);
        b.putShort(0x34, (short) 64);
        b.putShort(0x36, phentsize);
        b.putShort(0x38, (short) segments.size());
        int contentAt = headers;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            int at = 64 + i * 56;
            long offset = s.offset() < 0 ? contentAt : s.offset();
            b.putInt(at, s.type());
            b.putInt(at + 4, 5);
            b.putLong(at + 0x08, offset);
            b.putLong(at + 0x10, s.paddr() | 0xffff_ffff_8000_0000L); // vmlinux: virtual = physical + kernel map
            b.putLong(at + 0x18, s.paddr());
            b.putLong(at + 0x20, s.filesz());
            b.putLong(at + 0x28, s.memsz());
            b.putLong(at + 0x30, 0x1000);
            b.put(contentAt, s.content());
            contentAt += s.content().length;
        }
        return b.array();
    }
}
