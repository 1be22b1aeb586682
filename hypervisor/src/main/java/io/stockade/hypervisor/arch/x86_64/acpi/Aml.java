package io.stockade.hypervisor.arch.x86_64.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the handful of ACPI Machine Language terms the DSDT needs (ACPI 6.5 §20): names, integers, strings,
 * packages, buffers, devices and the small/large resource descriptors of a {@code _CRS} resource template.
 * Every method returns the encoded bytes of one term; composite terms take their already-encoded parts.
 */
final class Aml {
    static final int ZERO_OP = 0x00;
    static final int ONE_OP = 0x01;
    static final int NAME_OP = 0x08;
    static final int BYTE_PREFIX = 0x0a;
    static final int WORD_PREFIX = 0x0b;
    static final int DWORD_PREFIX = 0x0c;
    static final int STRING_PREFIX = 0x0d;
    static final int QWORD_PREFIX = 0x0e;
    static final int BUFFER_OP = 0x11;
    static final int PACKAGE_OP = 0x12;
    static final int DUAL_NAME_PREFIX = 0x2e;
    static final int MULTI_NAME_PREFIX = 0x2f;
    static final int ROOT_CHAR = 0x5c;
    static final int EXT_OP_PREFIX = 0x5b;
    static final int DEVICE_OP = 0x82;

    /** PkgLength encodes at most 28 bits. */
    static final int MAX_PKG_LENGTH = (1 << 28) - 1;

    private Aml() {}

    /** {@code Name(path, value)}. */
    static byte[] name(String path, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(path), value);
    }

    /** An integer constant in its shortest encoding: ZeroOp, OneOp, or a Byte/Word/DWord/QWord prefix. */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        if (value > 0 && value <= 0xff) {
            return new byte[] {BYTE_PREFIX, (byte) value};
        }
        if (value > 0 && value <= 0xffff) {
            return new byte[] {WORD_PREFIX, (byte) value, (byte) (value >>> 8)};
        }
        if (value > 0 && value <= 0xffff_ffffL) {
            return concat(new byte[] {DWORD_PREFIX}, le32((int) value));
        }
        byte[] q = new byte[9];
        q[0] = QWORD_PREFIX;
        for (int i = 0; i < 8; i++) {
            q[1 + i] = (byte) (value >>> (8 * i));
        }
        return q;
    }

    /** A NUL-terminated ASCII string constant. */
    static byte[] string(String s) {
        for (char c : s.toCharArray()) {
            if (c == 0 || c > 0x7f) {
                throw new IllegalArgumentException("AML strings are ASCII without NUL: \"" + s + "\"");
            }
        }
        return concat(new byte[] {STRING_PREFIX}, s.getBytes(StandardCharsets.US_ASCII), new byte[] {0});
    }

    /** {@code EISAID("PNP0303")}: a compressed EISA id as a DWord integer. */
    static byte[] eisaId(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException("EISA id must be 3 capital letters and 4 hex digits: \"" + id + "\"");
        }
        int vendor = ((id.charAt(0) - 0x40) << 10) | ((id.charAt(1) - 0x40) << 5) | (id.charAt(2) - 0x40);
        int product = Integer.parseInt(id.substring(3), 16);
        // Stored big-endian: vendor word, then product word.
        int value = ((vendor >>> 8) & 0xff) | ((vendor & 0xff) << 8) | (((product >>> 8) & 0xff) << 16)
                | ((product & 0xff) << 24);
        return concat(new byte[] {DWORD_PREFIX}, le32(value));
    }

    /** {@code Package(){elements}}; each element an encoded data object. */
    static byte[] pkg(byte[]... elements) {
        if (elements.length > 0xff) {
            throw new IllegalArgumentException("a Package holds at most 255 elements, got " + elements.length);
        }
        byte[] body = concat(new byte[] {(byte) elements.length}, concat(elements));
        return concat(new byte[] {PACKAGE_OP}, pkgLength(body.length), body);
    }

    /** {@code Buffer(){bytes}}. */
    static byte[] buffer(byte[] contents) {
        byte[] body = concat(integer(contents.length), contents);
        return concat(new byte[] {BUFFER_OP}, pkgLength(body.length), body);
    }

    /** {@code Device(path){terms}}. */
    static byte[] device(String path, byte[]... terms) {
        byte[] body = concat(nameString(path), concat(terms));
        return concat(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, pkgLength(body.length), body);
    }

    /**
     * PkgLength for a term whose contents after the PkgLength are {@code contentLength} bytes: the encoded length
     * counts its own 1–4 bytes too.
     */
    static byte[] pkgLength(int contentLength) {
        if (contentLength < 0 || contentLength > MAX_PKG_LENGTH - 4) {
            throw new IllegalArgumentException("AML package contents of " + contentLength + " bytes do not fit a"
                    + " PkgLength");
        }
        if (contentLength + 1 <= 0x3f) {
            return new byte[] {(byte) (contentLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            int total = contentLength + 1 + extra;
            if (total < 1 << (4 + 8 * extra)) {
                byte[] encoded = new byte[1 + extra];
                encoded[0] = (byte) ((extra << 6) | (total & 0x0f));
                for (int i = 1; i <= extra; i++) {
                    encoded[i] = (byte) (total >>> (4 + 8 * (i - 1)));
                }
                return encoded;
            }
        }
        throw new AssertionError("unreachable: length checked above");
    }

    /**
     * A NameString: an optional leading {@code \} (root), then dot-separated 1–4 character segments, each padded
     * with {@code _} to 4 characters ("_SB_.COM1", "\_S5_").
     */
    static byte[] nameString(String path) {
        boolean root = path.startsWith("\\");
        String[] segments = (root ? path.substring(1) : path).split("\\.", -1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (root) {
            out.write(ROOT_CHAR);
        }
        if (segments.length == 2) {
            out.write(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            if (segments.length > 0xff) {
                throw new IllegalArgumentException("AML name has too many segments: " + path);
            }
            out.write(MULTI_NAME_PREFIX);
            out.write(segments.length);
        }
        for (String segment : segments) {
            out.writeBytes(nameSegment(segment, path));
        }
        return out.toByteArray();
    }

    private static byte[] nameSegment(String segment, String path) {
        if (!segment.matches("[A-Z_][A-Z0-9_]{0,3}")) {
            throw new IllegalArgumentException("invalid AML name segment \"" + segment + "\" in \"" + path
                    + "\": 1-4 of A-Z, 0-9, _ not starting with a digit");
        }
        return (segment + "____".substring(segment.length())).getBytes(StandardCharsets.US_ASCII);
    }

    // ---- resource descriptors (ACPI 6.5 §6.4), for ResourceTemplate ----

    /** {@code ResourceTemplate(){descriptors}}: a Buffer of descriptors closed by an End Tag (checksum 0 = none). */
    static byte[] resourceTemplate(byte[]... descriptors) {
        return buffer(concat(concat(descriptors), new byte[] {0x79, 0x00}));
    }

    /** {@code IO(Decode16, port, port, 1, length)}: a fixed range of I/O ports. */
    static byte[] io(int port, int length) {
        if (port < 0 || port > 0xffff || length < 1 || length > 0xff || port + length > 0x1_0000) {
            throw new IllegalArgumentException(String.format("I/O range 0x%x+%d outside the 16-bit port space",
                    port, length));
        }
        return new byte[] {0x47, 0x01, (byte) port, (byte) (port >>> 8), (byte) port, (byte) (port >>> 8), 0x01,
            (byte) length};
    }

    /** {@code IRQNoFlags(){irq}}: one ISA interrupt, edge-triggered and active-high. */
    static byte[] irqNoFlags(int irq) {
        if (irq < 0 || irq > 15) {
            throw new IllegalArgumentException("ISA IRQ " + irq + " outside 0..15");
        }
        int mask = 1 << irq;
        return new byte[] {0x22, (byte) mask, (byte) (mask >>> 8)};
    }

    /** {@code Memory32Fixed(ReadWrite, base, length)}. */
    static byte[] memory32Fixed(long base, long length) {
        if (base < 0 || length <= 0 || base + length > 0x1_0000_0000L) {
            throw new IllegalArgumentException(String.format("memory range 0x%x+0x%x outside 32-bit space", base,
                    length));
        }
        return concat(new byte[] {(byte) 0x86, 0x09, 0x00, 0x01}, le32((int) base), le32((int) length));
    }

    /** {@code Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive){gsi}}: one GSI of the I/O APIC. */
    static byte[] extendedInterrupt(int gsi) {
        if (gsi < 0) {
            throw new IllegalArgumentException("GSI " + gsi + " is negative");
        }
        // Flags: bit 0 consumer, bit 1 edge-triggered, bit 2 active-low (no), bit 3 shared (no).
        return concat(new byte[] {(byte) 0x89, 0x06, 0x00, 0x03, 0x01}, le32(gsi));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
