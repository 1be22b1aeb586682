package io.stockade.hypervisor.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Assembles a synthetic bzImage: boot sector + setup header, setup sectors, then a protected-mode payload. */
final class TestBzImage {
    int setupSects = 4;
    int bootFlag = 0xaa55;
    int headerMagic = 0x5372_6448;
    int version = 0x020f;
    int headerEnd = 0x26c;
    int loadflags = 0x01;
    int xloadflags = 0x03;
    boolean relocatable = true;
    int kernelAlignment = 0x20_0000;
    int initrdAddrMax = 0x7fff_ffff;
    int cmdlineSize = 2047;
    long prefAddress = 0x100_0000;
    int initSize = 0x10_0000;
    Integer syssize; // null: derived from the payload
    byte[] payload = pattern(0x3000, 7);

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }

    /** Where the payload starts in the file: the "0 means 4" rule applies to setup_sects. */
    int payloadOffset() {
        return ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
    }

    byte[] build() {
        ByteBuffer b = ByteBuffer.allocate(payloadOffset() + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.putInt(0x1f4, syssize != null ? syssize : (payload.length + 15) / 16);
        b.putShort(0x1fe, (short) bootFlag);
        b.put(0x200, (byte) 0xeb);
        b.put(0x201, (byte) (headerEnd - 0x202));
        b.putInt(0x202, headerMagic);
        b.putShort(0x206, (short) version);
        b.put(0x211, (byte) loadflags);
        b.putInt(0x22c, initrdAddrMax);
        b.putInt(0x230, kernelAlignment);
        b.put(0x234, (byte) (relocatable ? 1 : 0));
        b.putShort(0x236, (short) xloadflags);
        b.putInt(0x238, cmdlineSize);
        b.putLong(0x258, prefAddress);
        b.putInt(0x260, initSize);
        b.put(payloadOffset(), payload);
        return b.array();
    }
}
