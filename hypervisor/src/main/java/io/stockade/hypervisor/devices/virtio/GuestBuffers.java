package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A scatter-gather list of validated guest buffers seen as one contiguous byte stream: the readable or the writable
 * part of a {@link DescriptorChain}. Offsets are positions in that stream; {@link #slice} cuts a sub-stream (for
 * example a block request's header, data and status byte) without copying anything.
 */
public record GuestBuffers(List<Descriptor> descriptors) {

    public GuestBuffers {
        descriptors = List.copyOf(descriptors);
    }

    /** No buffers at all. */
    public static GuestBuffers empty() {
        return new GuestBuffers(List.of());
    }

    /** Total bytes over all buffers (at most queue size × 4 GiB, so it cannot overflow). */
    public long length() {
        long total = 0;
        for (Descriptor d : descriptors) {
            total += d.length();
        }
        return total;
    }

    /**
     * The sub-stream {@code [offset, offset + length)}.
     *
     * @throws IndexOutOfBoundsException if it does not lie within {@link #length()}
     */
    public GuestBuffers slice(long offset, long length) {
        Objects.checkFromIndexSize(offset, length, length());
        List<Descriptor> out = new ArrayList<>();
        long skip = offset;
        long remaining = length;
        for (Descriptor d : descriptors) {
            if (remaining == 0) {
                break;
            }
            if (skip >= d.length()) {
                skip -= d.length();
                continue;
            }
            long take = Math.min(d.length() - skip, remaining);
            out.add(new Descriptor(d.address() + skip, take, d.writable()));
            remaining -= take;
            skip = 0;
        }
        return new GuestBuffers(out);
    }

    /** Copies {@code dst.length} bytes starting at stream position {@code offset} out of guest memory. */
    public void read(GuestMemory memory, long offset, byte[] dst) {
        int done = 0;
        for (Descriptor d : slice(offset, dst.length).descriptors) {
            memory.read(d.address(), dst, done, (int) d.length());
            done += (int) d.length();
        }
    }

    /** Copies {@code src[off, off + len)} into guest memory starting at stream position {@code offset}. */
    public void write(GuestMemory memory, long offset, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        int done = off;
        for (Descriptor d : slice(offset, len).descriptors) {
            memory.write(d.address(), src, done, (int) d.length());
            done += (int) d.length();
        }
    }
}
