package io.stockade.testkit.oci;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive with owner root, mtime 0 and no user/group names, so the same entries always give the
 * same bytes (and therefore the same digest). Only what image layers and layouts need: directories, regular files
 * and symbolic links with names of at most 100 bytes, or 255 when split at a slash into prefix and name.
 */
final class TarWriter implements AutoCloseable {
    static final int BLOCK = 512;
    private static final byte REGULAR = '0';
    private static final byte SYMLINK = '2';
    private static final byte DIRECTORY = '5';

    private final OutputStream out;
    private boolean closed;

    TarWriter(OutputStream out) {
        this.out = out;
    }

    /** A directory; {@code path} is written with a trailing slash as tar does. */
    void directory(String path, int mode) throws IOException {
        String name = path.endsWith("/") ? path : path + "/";
        header(name, mode, 0, DIRECTORY, "");
    }

    void file(String path, int mode, byte[] content) throws IOException {
        header(path, mode, content.length, REGULAR, "");
        out.write(content);
        pad(content.length);
    }

    void symlink(String path, String target) throws IOException {
        header(path, 0777, 0, SYMLINK, target);
    }

    /** Writes the two zero blocks that end an archive; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        out.write(new byte[2 * BLOCK]);
        out.flush();
    }

    private void header(String path, int mode, long size, byte type, String linkTarget) throws IOException {
        byte[] header = new byte[BLOCK];
        byte[] nameBytes = path.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length <= 100) {
            put(header, 0, 100, nameBytes, path);
        } else {
            int split = splitPoint(path);
            put(header, 0, 100, path.substring(split + 1).getBytes(StandardCharsets.UTF_8), path);
            put(header, 345, 155, path.substring(0, split).getBytes(StandardCharsets.UTF_8), path);
        }
        octal(header, 100, 8, mode);
        octal(header, 108, 8, 0);
        octal(header, 116, 8, 0);
        octal(header, 124, 12, size);
        octal(header, 136, 12, 0);
        header[156] = type;
        put(header, 157, 100, linkTarget.getBytes(StandardCharsets.UTF_8), linkTarget);
        put(header, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII), "magic");
        put(header, 263, 2, "00".getBytes(StandardCharsets.US_ASCII), "version");
        // The checksum is computed with its own field filled with spaces, then written as 6 octal digits, NUL, space.
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        byte[] checksum = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(checksum, 0, header, 148, 8);
        out.write(header);
    }

    /** Where to split a long path into ustar's prefix (at most 155 bytes) and name (at most 100 bytes). */
    private static int splitPoint(String path) {
        for (int i = path.length() - 1; i > 0; i--) {
            if (path.charAt(i) == '/'
                    && path.substring(0, i).getBytes(StandardCharsets.UTF_8).length <= 155
                    && path.substring(i + 1).getBytes(StandardCharsets.UTF_8).length <= 100
                    && i + 1 < path.length()) {
                return i;
            }
        }
        throw new IllegalArgumentException("path too long for a ustar header: " + path);
    }

    private static void put(byte[] header, int offset, int length, byte[] value, String what) {
        if (value.length > length) {
            throw new IllegalArgumentException("'" + what + "' does not fit in a " + length + "-byte ustar field");
        }
        System.arraycopy(value, 0, header, offset, value.length);
    }

    private static void octal(byte[] header, int offset, int length, long value) {
        String digits = String.format("%0" + (length - 1) + "o", value);
        if (digits.length() > length - 1) {
            throw new IllegalArgumentException(value + " does not fit in a " + length + "-byte ustar field");
        }
        byte[] bytes = digits.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
        header[offset + length - 1] = 0;
    }

    private void pad(long size) throws IOException {
        int remainder = (int) (size % BLOCK);
        if (remainder != 0) {
            out.write(new byte[BLOCK - remainder]);
        }
    }
}
