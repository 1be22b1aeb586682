package io.stockade.hypervisor.arch.x86_64.acpi;

import java.nio.ByteBuffer;

/**
 * An ACPI Generic Address Structure (ACPI 6.5 §5.2.3.2): where a register lives and how wide it is.
 *
 * @param accessSize 1 = byte, 2 = word, 3 = dword, 4 = qword access
 */
record GenericAddress(int spaceId, int bitWidth, int bitOffset, int accessSize, long address) {
    static final int SIZE = 12;
    static final int SYSTEM_MEMORY = 0;
    static final int SYSTEM_IO = 1;
    static final int BYTE_ACCESS = 1;

    /** An 8-bit register at I/O port {@code port}, accessed with byte-wide {@code in}/{@code out}. */
    static GenericAddress ioByte(int port) {
        return new GenericAddress(SYSTEM_IO, 8, 0, BYTE_ACCESS, port);
    }

    void writeTo(ByteBuffer table, int offset) {
        table.put(offset, (byte) spaceId);
        table.put(offset + 1, (byte) bitWidth);
        table.put(offset + 2, (byte) bitOffset);
        table.put(offset + 3, (byte) accessSize);
        table.putLong(offset + 4, address);
    }
}
