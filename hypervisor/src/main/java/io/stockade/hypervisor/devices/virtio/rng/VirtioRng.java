package io.stockade.hypervisor.devices.virtio.rng;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.ConfigSpace;
import io.stockade.hypervisor.devices.virtio.DescriptorChain;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-rng (VIRTIO 1.2 §5.4): one request queue whose device-writable buffers the device fills with bytes from the
 * host's CSPRNG, so the guest kernel has entropy early in boot. Each request gets at most
 * {@link #MAX_BYTES_PER_REQUEST} bytes (the spec lets the device use less than the whole buffer), which bounds the
 * work a single guest buffer can cause. Readable buffers in a request are ignored. Requests are served inline on the
 * notifying thread: the work per notification is bounded by queue size × {@code MAX_BYTES_PER_REQUEST}.
 */
public final class VirtioRng implements VirtioDevice {

    private static final Logger log = LoggerFactory.getLogger(VirtioRng.class);

    /** The most bytes one request receives. */
    public static final int MAX_BYTES_PER_REQUEST = 64 * 1024;
    /** The request queue's largest size. */
    public static final int QUEUE_MAX_SIZE = 256;

    private static final ConfigSpace NO_CONFIG = ConfigSpace.ofSize(0);

    private final String name;
    private final SecureRandom random;

    // Guarded by this; set while active.
    private GuestMemory memory;
    private Virtqueue queue;
    private Interrupt usedBuffers;

    /** An entropy device fed by the platform's non-blocking CSPRNG (getrandom / /dev/urandom). */
    public VirtioRng(String name) {
        this(name, nonBlockingRandom());
    }

    /** An entropy device fed by {@code random}. */
    public VirtioRng(String name, SecureRandom random) {
        this.name = name;
        this.random = random;
    }

    @Override
    public DeviceType deviceType() {
        return DeviceType.ENTROPY;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(QUEUE_MAX_SIZE);
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        NO_CONFIG.read(offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        log.debug("{}: ignoring a {}-byte write at config offset 0x{}; the device has no configuration", name,
                data.length, Long.toHexString(offset));
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (queues.size() != 1) {
            throw new IllegalStateException(name + " needs exactly one queue, got " + queues.size());
        }
        this.memory = memory;
        this.queue = queues.getFirst();
        this.usedBuffers = usedBuffers;
    }

    @Override
    public synchronized void queueNotify(int queueIndex) {
        if (queue == null) {
            return; // reset raced with the notification
        }
        boolean used = false;
        for (Optional<DescriptorChain> next = queue.pop(); next.isPresent(); next = queue.pop()) {
            DescriptorChain chain = next.get();
            queue.addUsed(chain.headIndex(), fill(chain));
            used = true;
        }
        if (used && queue.needsNotification()) {
            usedBuffers.trigger();
        }
    }

    @Override
    public synchronized void reset() {
        memory = null;
        queue = null;
        usedBuffers = null;
    }

    private long fill(DescriptorChain chain) {
        int length = (int) Math.min(chain.writable().length(), MAX_BYTES_PER_REQUEST);
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        try {
            chain.writable().write(memory, 0, bytes, 0, length);
            return length;
        } catch (RuntimeException e) {
            // The chain was validated, so only VM teardown gets here.
            log.warn("{}: cannot fill request with head {}: {}", name, chain.headIndex(), e.getMessage());
            return 0;
        }
    }

    private static SecureRandom nonBlockingRandom() {
        try {
            return SecureRandom.getInstance("NativePRNGNonBlocking");
        } catch (NoSuchAlgorithmException e) {
            return new SecureRandom();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
