package io.stockade.hypervisor.arch.x86_64.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Root System Description Pointer (ACPI 2.0+ form, 36 bytes): what the kernel finds first, pointing at the
 * XSDT. It has two checksums: one over the ACPI 1.0 part (20 bytes), one over all 36.
 */
final class Rsdp {
    static final int LENGTH = 36;
    static final int V1_LENGTH = 20;
    static final String SIGNATURE = "RSD PTR ";
    static final int CHECKSUM = 8;
    static final int OEM_ID = 9;
    /** 2 = ACPI 2.0 or later: the XSDT address and extended checksum are valid. */
    static final int REVISION = 15;
    static final int RSDT_ADDRESS = 16;
    static final int LENGTH_FIELD = 20;
    static final int XSDT_ADDRESS = 24;
    static final int EXTENDED_CHECKSUM = 32;

    private Rsdp() {}

    static byte[] build(long xsdtAddress) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(TableHeader.ascii(SIGNATURE));
        b.put(OEM_ID, TableHeader.ascii(TableHeader.OEM_ID));
        b.put(REVISION, (byte) 2);
        b.putInt(RSDT_ADDRESS, 0); // no RSDT: every table is reached through the XSDT
        b.putInt(LENGTH_FIELD, LENGTH);
        b.putLong(XSDT_ADDRESS, xsdtAddress);
        byte[] bytes = b.array();
        Checksum.fix(bytes, 0, V1_LENGTH, CHECKSUM);
        Checksum.fix(bytes, 0, LENGTH, EXTENDED_CHECKSUM);
        return bytes;
    }
}
