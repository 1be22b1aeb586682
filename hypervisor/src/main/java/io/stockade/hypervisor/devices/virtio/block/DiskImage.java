package io.stockade.hypervisor.devices.virtio.block;

import io.stockade.hypervisor.devices.virtio.Descriptor;
import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import io.stockade.hypervisor.memory.GuestMemory;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A raw disk image file behind a virtio-blk device: 512-byte sectors, its capacity fixed when opened (a trailing
 * partial sector is not exposed). Transfers go straight between the file and guest memory, without a heap copy.
 * Callers check sector ranges first ({@link BlockRequest#transferProblem}).
 */
public final class DiskImage implements AutoCloseable {

    private static final long MAX_CHUNK = 1L << 30;

    private final Path path;
    private final boolean readOnly;
    private final FileChannel channel;
    private final long capacitySectors;

    private DiskImage(Path path, boolean readOnly, FileChannel channel, long capacitySectors) {
        this.path = path;
        this.readOnly = readOnly;
        this.channel = channel;
        this.capacitySectors = capacitySectors;
    }

    /**
     * Opens a regular file as a disk; read-only disks are opened without write access.
     *
     * @throws IOException naming the file if it is missing, not a regular file or cannot be opened
     */
    public static DiskImage open(Path path, boolean readOnly) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("disk image " + path + " is not a regular file");
        }
        Set<StandardOpenOption> options = readOnly
                ? Set.of(StandardOpenOption.READ)
                : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel channel = FileChannel.open(path, options);
        try {
            return new DiskImage(path, readOnly, channel, channel.size() / BlockRequest.SECTOR_BYTES);
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    public boolean readOnly() {
        return readOnly;
    }

    /** Size of the disk in 512-byte sectors. */
    public long capacitySectors() {
        return capacitySectors;
    }

    /** Fills {@code into} from the disk starting at {@code sector}. */
    void read(long sector, GuestBuffers into, GuestMemory memory) throws IOException {
        long position = sector * BlockRequest.SECTOR_BYTES;
        for (ByteBuffer buffer : byteBuffers(into, memory)) {
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw new EOFException("disk image " + path + " ended at byte " + position
                            + " (was it truncated while in use?)");
                }
                position += n;
            }
        }
    }

    /** Writes {@code from} to the disk starting at {@code sector}. */
    void write(long sector, GuestBuffers from, GuestMemory memory) throws IOException {
        if (readOnly) {
            throw new IOException("disk image " + path + " is read-only");
        }
        long position = sector * BlockRequest.SECTOR_BYTES;
        for (ByteBuffer buffer : byteBuffers(from, memory)) {
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        }
    }

    /** Makes every completed write durable (fdatasync). */
    void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    /**
     * Views of the guest buffers for channel I/O; a ByteBuffer holds at most 2 GiB, while one descriptor may
     * describe up to 4 GiB, so long buffers are cut into chunks.
     */
    private static List<ByteBuffer> byteBuffers(GuestBuffers buffers, GuestMemory memory) {
        List<ByteBuffer> out = new ArrayList<>();
        for (Descriptor d : buffers.descriptors()) {
            for (long done = 0; done < d.length(); done += MAX_CHUNK) {
                out.add(memory.segment(d.address() + done, Math.min(MAX_CHUNK, d.length() - done)).asByteBuffer());
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "disk " + path + (readOnly ? " (read-only, " : " (") + capacitySectors + " sectors)";
    }
}
