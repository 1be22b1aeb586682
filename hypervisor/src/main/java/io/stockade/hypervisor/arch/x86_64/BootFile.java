package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * A kernel or initrd file opened for loading. Every read is bounded by the size seen at open time, so lengths taken
 * from the file's own headers can never make us read (or allocate) more than the file holds; a file that shrinks
 * while we read it is reported as truncated.
 */
final class BootFile implements AutoCloseable {
    private static final int COPY_CHUNK = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final Function<String, RuntimeException> formatError;

    private BootFile(Path path, FileChannel channel, long size, Function<String, RuntimeException> formatError) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.formatError = formatError;
    }

    /** Opens a kernel; format problems become {@link InvalidKernelException}s naming it. */
    static BootFile openKernel(Path path) {
        return open(path, problem -> new InvalidKernelException(path, problem));
    }

    /** Opens an initrd; problems become {@link BootSetupException}s naming it. */
    static BootFile openInitrd(Path path) {
        return open(path, problem -> new BootSetupException("initrd " + path + ": " + problem));
    }

    private static BootFile open(Path path, Function<String, RuntimeException> formatError) {
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            try {
                return new BootFile(path, channel, channel.size(), formatError);
            } catch (RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + path, e);
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    /** An error about this file's contents, naming the file. */
    RuntimeException error(String problem) {
        return formatError.apply(problem);
    }

    /** Reads {@code length} bytes at {@code offset}; {@code what} names the structure for the error message. */
    byte[] read(long offset, int length, String what) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw error(what + " at offset 0x" + Long.toHexString(offset) + " (0x" + Integer.toHexString(length)
                    + " bytes) lies beyond the end of the " + size + "-byte file");
        }
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(buffer, offset, what);
        return buffer.array();
    }

    /** Copies {@code length} bytes from file {@code offset} to guest address {@code gpa}. */
    void copyToGuest(long offset, long length, GuestMemory memory, long gpa, String what) {
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw error(what + " at offset 0x" + Long.toHexString(offset) + " (0x" + Long.toHexString(length)
                    + " bytes) lies beyond the end of the " + size + "-byte file");
        }
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(COPY_CHUNK, Math.max(length, 1)));
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(chunk.capacity(), length - done);
            chunk.clear().limit(n);
            readFully(chunk, offset + done, what);
            memory.write(gpa + done, chunk.array(), 0, n);
            done += n;
        }
    }

    private void readFully(ByteBuffer buffer, long offset, String what) {
        try {
            long position = offset;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, position);
                if (n < 0) {
                    throw error(what + ": file ended at offset 0x" + Long.toHexString(position)
                            + " while reading; was it truncated during loading?");
                }
                position += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + what + " from " + path, e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("closing " + path, e);
        }
    }
}
