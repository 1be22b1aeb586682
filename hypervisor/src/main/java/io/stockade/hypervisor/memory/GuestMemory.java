package io.stockade.hypervisor.memory;

import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.Memfd;
import io.stockade.hypervisor.sys.Mmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A guest's RAM: a few regions of guest-physical address space (typically below and above the 32-bit MMIO hole),
 * each backed by host memory, with bounds-checked little-endian access by guest address. Any range that is not
 * wholly inside one region is rejected with a {@link GuestMemoryAccessException}; guest-supplied addresses never
 * reach host memory unchecked.
 *
 * <p>Thread-safe: vCPU threads and device threads share it. {@link #close()} first invalidates every segment handed
 * out (a later access throws {@link IllegalStateException}) and only then releases the memory.
 */
public final class GuestMemory implements AutoCloseable {
    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final List<GuestRegion> regions;
    private final Arena arena;
    private final int fd;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GuestMemory(String name, List<GuestRegion> regions, Arena arena, int fd) {
        this.name = name;
        this.regions = List.copyOf(regions);
        this.arena = arena;
        this.fd = fd;
    }

    /**
     * RAM in one memfd, mapped {@code MAP_SHARED} so that vhost-user backends can map the same pages; the regions
     * sit back to back in the file in guest-address order.
     *
     * @param name shows up in /proc/PID/maps and fd listings, e.g. {@code "guest-ram-pod42"}
     */
    public static GuestMemory createMemfd(String name, List<RegionSpec> layout) {
        List<RegionSpec> specs = checkedLayout(layout);
        long total = totalOf(specs);
        int fd = Memfd.create(name, Memfd.MFD_CLOEXEC);
        String target = "memfd " + name + " fd " + fd;
        Arena arena = Arena.ofShared();
        try {
            Memfd.truncate(fd, total, target);
            MemorySegment all = Mmap.map(fd, 0, total, Mmap.MAP_SHARED, arena, target);
            // Guest RAM in a VMM core dump would be huge and would leak the guest's secrets.
            Mmap.madvise(all, Mmap.MADV_DONTDUMP);
            List<GuestRegion> regions = new ArrayList<>();
            long offset = 0;
            for (RegionSpec spec : specs) {
                regions.add(new GuestRegion(spec.guestAddress(), spec.size(), all.asSlice(offset, spec.size()), fd, offset));
                offset += spec.size();
            }
            return new GuestMemory(name, regions, arena, fd);
        } catch (RuntimeException e) {
            arena.close();
            try {
                FileDescriptors.close(fd, target);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** RAM on the native heap with no fd; for tests and for guests that need no shared memory. */
    public static GuestMemory ofHeap(List<RegionSpec> layout) {
        List<RegionSpec> specs = checkedLayout(layout);
        Arena arena = Arena.ofShared();
        try {
            List<GuestRegion> regions = new ArrayList<>();
            for (RegionSpec spec : specs) {
                regions.add(new GuestRegion(spec.guestAddress(), spec.size(),
                        arena.allocate(spec.size(), RegionSpec.PAGE_SIZE), -1, 0));
            }
            return new GuestMemory("heap", regions, arena, -1);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    /** The regions in ascending guest-address order. */
    public List<GuestRegion> regions() {
        return regions;
    }

    public long totalSize() {
        long total = 0;
        for (GuestRegion r : regions) {
            total += r.size();
        }
        return total;
    }

    /** Whether {@code [gpa, gpa + length)} lies wholly inside one region (never true for a wrapping range). */
    public boolean isValid(long gpa, long length) {
        return find(gpa, length) != null;
    }

    /** A slice of host memory for {@code [gpa, gpa + length)}, for bulk or ordered (VarHandle) access. */
    public MemorySegment segment(long gpa, long length) {
        GuestRegion r = locate(gpa, length);
        return r.hostSegment().asSlice(gpa - r.guestAddress(), length);
    }

    public byte readByte(long gpa) {
        GuestRegion r = locate(gpa, 1);
        return r.hostSegment().get(ValueLayout.JAVA_BYTE, gpa - r.guestAddress());
    }

    public short readShort(long gpa) {
        GuestRegion r = locate(gpa, 2);
        return r.hostSegment().get(SHORT_LE, gpa - r.guestAddress());
    }

    public int readInt(long gpa) {
        GuestRegion r = locate(gpa, 4);
        return r.hostSegment().get(INT_LE, gpa - r.guestAddress());
    }

    public long readLong(long gpa) {
        GuestRegion r = locate(gpa, 8);
        return r.hostSegment().get(LONG_LE, gpa - r.guestAddress());
    }

    public void writeByte(long gpa, byte value) {
        GuestRegion r = locate(gpa, 1);
        r.hostSegment().set(ValueLayout.JAVA_BYTE, gpa - r.guestAddress(), value);
    }

    public void writeShort(long gpa, short value) {
        GuestRegion r = locate(gpa, 2);
        r.hostSegment().set(SHORT_LE, gpa - r.guestAddress(), value);
    }

    public void writeInt(long gpa, int value) {
        GuestRegion r = locate(gpa, 4);
        r.hostSegment().set(INT_LE, gpa - r.guestAddress(), value);
    }

    public void writeLong(long gpa, long value) {
        GuestRegion r = locate(gpa, 8);
        r.hostSegment().set(LONG_LE, gpa - r.guestAddress(), value);
    }

    /** Copies {@code len} bytes of guest memory at {@code gpa} into {@code dst[off, off + len)}. */
    public void read(long gpa, byte[] dst, int off, int len) {
        Objects.checkFromIndexSize(off, len, dst.length);
        GuestRegion r = locate(gpa, len);
        MemorySegment.copy(r.hostSegment(), ValueLayout.JAVA_BYTE, gpa - r.guestAddress(), dst, off, len);
    }

    /** Copies {@code src[off, off + len)} into guest memory at {@code gpa}. */
    public void write(long gpa, byte[] src, int off, int len) {
        Objects.checkFromIndexSize(off, len, src.length);
        GuestRegion r = locate(gpa, len);
        MemorySegment.copy(src, off, r.hostSegment(), ValueLayout.JAVA_BYTE, gpa - r.guestAddress(), len);
    }

    public void write(long gpa, byte[] src) {
        write(gpa, src, 0, src.length);
    }

    /** Releases the memory and the memfd; idempotent. Segments handed out earlier become unusable. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        arena.close();
        if (fd >= 0) {
            FileDescriptors.close(fd, "memfd " + name + " fd " + fd);
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("GuestMemory[").append(name);
        for (GuestRegion r : regions) {
            s.append(", [0x").append(Long.toHexString(r.guestAddress())).append(", 0x")
                    .append(Long.toHexString(r.end())).append(')');
        }
        return s.append(']').toString();
    }

    // A VM has a handful of regions, so a linear scan beats anything cleverer.
    private GuestRegion find(long gpa, long length) {
        for (GuestRegion r : regions) {
            if (r.contains(gpa, length)) {
                return r;
            }
        }
        return null;
    }

    private GuestRegion locate(long gpa, long length) {
        GuestRegion r = find(gpa, length);
        if (r == null) {
            throw new GuestMemoryAccessException(gpa, length, whyInvalid(gpa, length));
        }
        return r;
    }

    private String whyInvalid(long gpa, long length) {
        if (length < 0) {
            return "negative length";
        }
        if (length > 0 && Long.compareUnsigned(gpa + length, gpa) < 0) {
            return "the range wraps around the end of the address space";
        }
        for (GuestRegion r : regions) {
            if (r.contains(gpa, 0)) {
                return "the range runs past the end of RAM region [0x" + Long.toHexString(r.guestAddress()) + ", 0x"
                        + Long.toHexString(r.end()) + ")";
            }
        }
        return "the address is not guest RAM";
    }

    private static List<RegionSpec> checkedLayout(List<RegionSpec> layout) {
        if (layout.isEmpty()) {
            throw new IllegalArgumentException("guest memory needs at least one region");
        }
        List<RegionSpec> sorted = new ArrayList<>(layout);
        sorted.sort(Comparator.comparingLong(RegionSpec::guestAddress));
        for (int i = 1; i < sorted.size(); i++) {
            RegionSpec previous = sorted.get(i - 1);
            RegionSpec next = sorted.get(i);
            if (next.guestAddress() < previous.end()) {
                throw new IllegalArgumentException("guest RAM regions overlap: " + previous + " and " + next);
            }
        }
        return sorted;
    }

    // Cannot overflow: the regions are disjoint and each ends below 2^63.
    private static long totalOf(List<RegionSpec> specs) {
        long total = 0;
        for (RegionSpec spec : specs) {
            total += spec.size();
        }
        return total;
    }
}
