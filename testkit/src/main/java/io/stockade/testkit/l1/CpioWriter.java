package io.stockade.testkit.l1;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a cpio archive in the "newc" (SVR4, no CRC) format, the one the Linux kernel unpacks as an initramfs
 * ({@code Documentation/driver-api/early-userspace/buffer-format.rst}). Every entry gets a fresh inode number, owner
 * root and mtime 0, so the same entries always give the same bytes.
 */
final class CpioWriter implements AutoCloseable {
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;
    private static final String MAGIC = "070701";
    private static final String TRAILER = "TRAILER!!!";

    private final OutputStream out;
    private long written;
    private int nextInode = 1;

    CpioWriter(OutputStream out) {
        this.out = out;
    }

    void directory(String path, int permissions) throws IOException {
        entry(path, S_IFDIR | permissions, 2, new byte[0], 0, 0);
    }

    void file(String path, int permissions, byte[] content) throws IOException {
        entry(path, S_IFREG | permissions, 1, content, 0, 0);
    }

    /** A symbolic link: its content is the target path. */
    void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, 1, target.getBytes(StandardCharsets.UTF_8), 0, 0);
    }

    void charDevice(String path, int permissions, int major, int minor) throws IOException {
        entry(path, S_IFCHR | permissions, 1, new byte[0], major, minor);
    }

    /** Writes the trailer entry that ends the archive; the underlying stream stays open. */
    @Override
    public void close() throws IOException {
        entry(TRAILER, 0, 1, new byte[0], 0, 0);
        out.flush();
    }

    private void entry(String name, int mode, int links, byte[] data, int rdevMajor, int rdevMinor) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        int inode = name.equals(TRAILER) ? 0 : nextInode++;
        StringBuilder header = new StringBuilder(110).append(MAGIC);
        for (long field : new long[] {
                inode, mode, 0 /* uid */, 0 /* gid */, links, 0 /* mtime */, data.length,
                0, 0 /* dev major/minor */, rdevMajor, rdevMinor, nameBytes.length + 1, 0 /* check */}) {
            header.append(String.format("%08x", field));
        }
        write(header.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        write(new byte[] {0});
        pad();
        write(data);
        pad();
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        written += bytes.length;
    }

    /** Header+name and data each end on a 4-byte boundary. */
    private void pad() throws IOException {
        int padding = (int) ((4 - written % 4) % 4);
        write(new byte[padding]);
    }
}
