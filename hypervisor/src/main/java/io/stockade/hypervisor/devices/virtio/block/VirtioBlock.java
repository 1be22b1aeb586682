package io.stockade.hypervisor.devices.virtio.block;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.ConfigSpace;
import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.GuestBuffers;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-blk (VIRTIO 1.2 §5.2) over a {@link DiskImage}: one request queue; reads, writes (refused with
 * VIRTIO_BLK_S_IOERR on a read-only disk, which is also announced with {@code VIRTIO_BLK_F_RO}), flush
 * ({@code VIRTIO_BLK_F_FLUSH}) and GET_ID; every other request type is answered VIRTIO_BLK_S_UNSUPP.
 *
 * <p>Requests are parsed and validated on the notifying thread — header present, data lengths a multiple of 512,
 * sector ranges inside the disk (overflow-safe) — and their I/O runs on the {@code io} executor, never on a vCPU
 * thread. A completion writes the data first, then the status byte, then the used element. {@code seg_max} is
 * advertised as queue size − 2 so that Linux never builds a chain (direct or indirect) longer than the queue
 * accepts.
 *
 * <p>{@link #reset()} stops accepting requests and waits (bounded) for in-flight ones, so no completion lands in
 * memory that the re-initializing driver already reuses.
 */
public final class VirtioBlock implements VirtioDevice, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VirtioBlock.class);

    /** Config field seg_max is valid. */
    public static final long F_SEG_MAX = 1L << 2;
    /** The disk is read-only. */
    public static final long F_RO = 1L << 5;
    /** The device executes VIRTIO_BLK_T_FLUSH. */
    public static final long F_FLUSH = 1L << 9;
    /** The request queue's largest size. */
    public static final int QUEUE_MAX_SIZE = 256;
    /** GET_ID answers are at most this long (not NUL-terminated when exactly this long). */
    public static final int ID_BYTES = 20;

    static final int CONFIG_CAPACITY = 0;
    static final int CONFIG_SEG_MAX = 12;
    private static final int CONFIG_BYTES = 24; // up to and including blk_size
    private static final long RESET_DRAIN_SECONDS = 30;

    private final String name;
    private final DiskImage disk;
    private final byte[] id;
    private final Executor io;
    private final ConfigSpace config;

    /** What one activation serves; in-flight I/O holds on to it so a reset can tell stale work apart. */
    private record Session(GuestMemory memory, Virtqueue queue, Interrupt usedBuffers) {
    }

    // Guarded by this.
    private Session session;
    private int inFlight;

    /**
     * @param deviceId the GET_ID answer (printable ASCII, at most {@value #ID_BYTES} bytes), e.g. a container id
     * @param io runs disk I/O; owned by the caller, who must keep it running while the device is active
     */
    public VirtioBlock(String name, DiskImage disk, String deviceId, Executor io) {
        if (deviceId.length() > ID_BYTES || !deviceId.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(name + ": device id \"" + deviceId + "\" must be at most " + ID_BYTES
                    + " printable ASCII characters");
        }
        this.name = name;
        this.disk = disk;
        this.id = deviceId.getBytes(StandardCharsets.US_ASCII);
        this.io = io;
        this.config = ConfigSpace.ofSize(CONFIG_BYTES)
                .withLong(CONFIG_CAPACITY, disk.capacitySectors())
                .withInt(CONFIG_SEG_MAX, QUEUE_MAX_SIZE - 2);
    }

    @Override
    public DeviceType deviceType() {
        return DeviceType.BLOCK;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX
                | F_SEG_MAX | F_FLUSH | (disk.readOnly() ? F_RO : 0);
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_MAX_SIZE);
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        config.read(offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        log.debug("{}: ignoring a {}-byte write at config offset 0x{} (no writable fields are offered)", name,
                data.length, Long.toHexString(offset));
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (queues.size() != 1) {
            throw new IllegalStateException(name + " needs exactly one queue, got " + queues.size());
        }
        session = new Session(memory, queues.getFirst(), usedBuffers);
    }

    @Override
    public synchronized void queueNotify(int queueIndex) {
        Session s = session;
        if (s == null) {
            return; // reset raced with the notification
        }
        for (Optional<DescriptorChain> chain = s.queue.pop(); chain.isPresent(); chain = s.queue.pop()) {
            serve(s, chain.get());
        }
    }

    @Override
    public synchronized void reset() {
        session = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RESET_DRAIN_SECONDS);
        boolean interrupted = false;
        while (inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                log.warn("{}: reset gave up waiting for {} in-flight request(s) on {}", name, inFlight, disk);
                break;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the disk image; the device must be reset (or never activated) first. */
    @Override
    public void close() throws IOException {
        disk.close();
    }

    private void serve(Session s, DescriptorChain chain) {
        BlockRequest r;
        try {
            r = BlockRequest.parse(chain, s.memory);
        } catch (InvalidRequest e) {
            log.debug("{}: rejecting request with head {}: {}", name, chain.headIndex(), e.getMessage());
            complete(s, chain.headIndex(), e.status().orElse(null), BlockRequest.S_IOERR, 0);
            return;
        }
        switch (r.type()) {
            case BlockRequest.T_IN -> transfer(s, r, r.fromDevice(), () -> disk.read(r.sector(), r.fromDevice(),
                    s.memory), r.fromDevice().length());
            case BlockRequest.T_OUT -> {
                if (disk.readOnly()) {
                    log.debug("{}: write to sector {} refused: the disk is read-only", name,
                            Long.toUnsignedString(r.sector()));
                    complete(s, r.headIndex(), r.status(), BlockRequest.S_IOERR, 0);
                } else {
                    transfer(s, r, r.toDevice(), () -> disk.write(r.sector(), r.toDevice(), s.memory), 0);
                }
            }
            case BlockRequest.T_FLUSH -> submit(s, r, disk::flush, 0);
            case BlockRequest.T_GET_ID -> {
                int n = (int) Math.min(ID_BYTES, r.fromDevice().length());
                byte[] answer = new byte[ID_BYTES];
                System.arraycopy(id, 0, answer, 0, id.length);
                r.fromDevice().write(s.memory, 0, answer, 0, n);
                complete(s, r.headIndex(), r.status(), BlockRequest.S_OK, n);
            }
            default -> {
                log.debug("{}: unsupported request type {}", name, r.type());
                complete(s, r.headIndex(), r.status(), BlockRequest.S_UNSUPP, 0);
            }
        }
    }

    private void transfer(Session s, BlockRequest r, GuestBuffers data, DiskIo action, long bytesToGuest) {
        Optional<String> problem = r.transferProblem(data, disk.capacitySectors());
        if (problem.isPresent()) {
            log.debug("{}: rejecting {} with head {}: {}", name, r.type() == BlockRequest.T_IN ? "read" : "write",
                    r.headIndex(), problem.get());
            complete(s, r.headIndex(), r.status(), BlockRequest.S_IOERR, 0);
            return;
        }
        submit(s, r, action, bytesToGuest);
    }

    /** One piece of disk I/O against guest memory. */
    @FunctionalInterface
    private interface DiskIo {
        void run() throws IOException;
    }

    private void submit(Session s, BlockRequest r, DiskIo action, long bytesToGuest) {
        inFlight++;
        try {
            io.execute(() -> runIo(s, r, action, bytesToGuest));
        } catch (RejectedExecutionException e) {
            inFlight--;
            log.warn("{}: I/O executor refused request with head {}: {}", name, r.headIndex(), e.getMessage());
            complete(s, r.headIndex(), r.status(), BlockRequest.S_IOERR, 0);
        }
    }

    private void runIo(Session s, BlockRequest r, DiskIo action, long bytesToGuest) {
        try {
            if (!isCurrent(s)) {
                return; // the driver reset the device before this request started
            }
            byte status = BlockRequest.S_OK;
            long written = bytesToGuest;
            try {
                action.run();
            } catch (IOException | RuntimeException e) {
                log.warn("{}: request type {} at sector {} failed on {}: {}", name, r.type(),
                        Long.toUnsignedString(r.sector()), disk, e.toString());
                status = BlockRequest.S_IOERR;
                written = 0;
            }
            complete(s, r.headIndex(), r.status(), status, written);
        } finally {
            synchronized (this) {
                inFlight--;
                notifyAll();
            }
        }
    }

    private synchronized boolean isCurrent(Session s) {
        return session == s;
    }

    /**
     * Answers a request: status byte (if the chain has one), then the used element of {@code bytesToGuest} data
     * bytes plus the status byte, then an interrupt if the driver wants one.
     */
    private void complete(Session s, int head, GuestBuffers status, byte code, long bytesToGuest) {
        long used = 0;
        try {
            if (status != null) {
                status.write(s.memory, 0, new byte[] {code}, 0, 1);
                used = bytesToGuest + 1;
            }
        } catch (RuntimeException e) {
            log.warn("{}: cannot write the status of request with head {}: {}", name, head, e.getMessage());
        }
        s.queue.addUsed(head, used);
        if (s.queue.needsNotification()) {
            s.usedBuffers.trigger();
        }
    }

    @Override
    public String toString() {
        return name + " on " + disk;
    }
}
