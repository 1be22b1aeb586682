package io.stockade.hypervisor.arch.x86_64.acpi;

import java.nio.ByteBuffer;
import java.util.List;

/** The Extended System Description Table: the 64-bit addresses of every other table except the DSDT. */
final class Xsdt {
    static final String SIGNATURE = "XSDT";
    static final int REVISION = 1;

    private Xsdt() {}

    static int length(int entries) {
        return TableHeader.SIZE + 8 * entries;
    }

    static byte[] build(List<Long> tableAddresses) {
        ByteBuffer t = TableHeader.start(SIGNATURE, length(tableAddresses.size()), REVISION);
        tableAddresses.forEach(t::putLong);
        return TableHeader.seal(t);
    }
}
