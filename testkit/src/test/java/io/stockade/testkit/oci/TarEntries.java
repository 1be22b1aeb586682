package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a ustar archive back for assertions, checking every header checksum and the end-of-archive blocks. */
final class TarEntries {
    record Entry(String name, char type, int mode, byte[] content, String linkTarget) {
    }

    private TarEntries() {
    }

    static Map<String, Entry> read(byte[] tar) {
        assertEquals(0, tar.length % TarWriter.BLOCK, "a tar is whole 512-byte blocks");
        Map<String, Entry> entries = new LinkedHashMap<>();
        int offset = 0;
        while (true) {
            byte[] header = Arrays.copyOfRange(tar, offset, offset + TarWriter.BLOCK);
            if (isZero(header)) {
                assertTrue(isZero(Arrays.copyOfRange(tar, offset + TarWriter.BLOCK, offset + 2 * TarWriter.BLOCK)),
                        "an archive ends with two zero blocks");
                assertEquals(tar.length, offset + 2 * TarWriter.BLOCK, "nothing follows the end blocks");
                return entries;
            }
            assertEquals("ustar\0", new String(header, 257, 6, StandardCharsets.US_ASCII));
            long checksum = octal(header, 148, 8);
            Arrays.fill(header, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            String name = string(header, 0, 100);
            String prefix = string(header, 345, 155);
            String fullName = prefix.isEmpty() ? name : prefix + "/" + name;
            assertEquals(sum, checksum, "checksum of " + fullName);
            int size = (int) octal(header, 124, 12);
            byte[] content = Arrays.copyOfRange(tar, offset + TarWriter.BLOCK, offset + TarWriter.BLOCK + size);
            entries.put(fullName, new Entry(fullName, (char) header[156], (int) octal(header, 100, 8), content,
                    string(header, 157, 100)));
            offset += TarWriter.BLOCK + (size + TarWriter.BLOCK - 1) / TarWriter.BLOCK * TarWriter.BLOCK;
        }
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
        return Long.parseLong(string(header, offset, length).trim(), 8);
    }
}
