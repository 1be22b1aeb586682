package io.stockade.hypervisor.arch.x86_64.acpi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 36-byte header every ACPI system description table (XSDT, FADT, MADT, DSDT) starts with (ACPI 6.5 §5.2.6):
 * signature, length, revision, checksum over the whole table, and who made it.
 */
final class TableHeader {
    static final int SIZE = 36;
    static final int LENGTH_OFFSET = 4;
    static final int REVISION_OFFSET = 8;
    static final int CHECKSUM_OFFSET = 9;
    static final int OEM_ID_OFFSET = 10;
    static final int OEM_TABLE_ID_OFFSET = 16;

    /** "OEM" that built the tables: 6 characters in the header, 6 in the RSDP. */
    static final String OEM_ID = "STOCKD";
    /** Names the platform in every table; Linux prints it in its "ACPI: FACP ..." lines. */
    static final String OEM_TABLE_ID = "MICROVM ";
    static final int OEM_REVISION = 1;
    static final String CREATOR_ID = "SKVM";
    static final int CREATOR_REVISION = 1;

    private TableHeader() {}

    /** A little-endian buffer of {@code length} bytes with the header filled in (checksum still 0). */
    static ByteBuffer start(String signature, int length, int revision) {
        if (signature.length() != 4) {
            throw new IllegalArgumentException("ACPI table signature must be 4 characters: \"" + signature + "\"");
        }
        ByteBuffer table = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        table.put(ascii(signature));
        table.putInt(length);
        table.put((byte) revision);
        table.put((byte) 0); // checksum, set by seal()
        table.put(ascii(OEM_ID));
        table.put(ascii(OEM_TABLE_ID));
        table.putInt(OEM_REVISION);
        table.put(ascii(CREATOR_ID));
        table.putInt(CREATOR_REVISION);
        return table;
    }

    /** The finished table: checks it is completely written and sets the checksum. */
    static byte[] seal(ByteBuffer table) {
        if (table.hasRemaining()) {
            throw new IllegalStateException("ACPI table " + new String(table.array(), 0, 4, StandardCharsets.US_ASCII)
                    + ": " + table.remaining() + " of " + table.capacity() + " bytes left unwritten");
        }
        byte[] bytes = table.array();
        Checksum.fix(bytes, 0, bytes.length, CHECKSUM_OFFSET);
        return bytes;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
