package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A TAP network device opened through {@code /dev/net/tun}, non-blocking, with a virtio-net header on every frame
 * ({@code IFF_TAP | IFF_NO_PI | IFF_VNET_HDR}) so a virtio-net device can pass offloads straight through. The device
 * lives in the network namespace of the thread that opens it.
 */
public final class Tap implements AutoCloseable {
    static final String CLONE_DEVICE = "/dev/net/tun";
    static final int IFNAMSIZ = 16;
    /** struct ifreq: the name, then a 24-byte union of which TUNSETIFF uses the leading short flags. */
    static final long IFREQ_BYTES = 40;
    static final long IFREQ_FLAGS_OFFSET = 16;
    static final int IFF_TAP = 0x0002;
    static final int IFF_NO_PI = 0x1000;
    static final int IFF_VNET_HDR = 0x4000;
    /** TUN_F_* offload flags for {@link #setOffload(int)}. */
    public static final int TUN_F_CSUM = 0x01;
    public static final int TUN_F_TSO4 = 0x02;
    public static final int TUN_F_TSO6 = 0x04;
    public static final int TUN_F_TSO_ECN = 0x08;
    public static final int TUN_F_UFO = 0x10;

    static final IoctlRequest TUNSETIFF = IoctlRequest.iow("TUNSETIFF", 'T', 202, Integer.BYTES);
    static final IoctlRequest TUNSETOFFLOAD = IoctlRequest.iow("TUNSETOFFLOAD", 'T', 208, Integer.BYTES);
    static final IoctlRequest TUNSETVNETHDRSZ = IoctlRequest.iow("TUNSETVNETHDRSZ", 'T', 216, Integer.BYTES);

    private final int fd;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Tap(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /**
     * Opens (creating if needed) TAP device {@code name}; a name with {@code %d} lets the kernel pick the number.
     */
    public static Tap open(String name) {
        byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("TAP device name '" + name + "' must have 1 to " + (IFNAMSIZ - 1)
                    + " characters");
        }
        int fd = FileDescriptors.open(CLONE_DEVICE,
                FileDescriptors.O_RDWR | FileDescriptors.O_NONBLOCK | FileDescriptors.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_BYTES, 8);
            MemorySegment.copy(nameBytes, 0, ifreq, JAVA_BYTE, 0, nameBytes.length);
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS_OFFSET, (short) (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
            Ioctl.call(fd, CLONE_DEVICE + " fd " + fd + " (tap " + name + ")", TUNSETIFF, ifreq);
            return new Tap(fd, ifreq.getString(0, StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            try {
                FileDescriptors.close(fd, CLONE_DEVICE);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface name the kernel gave the device. */
    public String name() {
        return name;
    }

    public int fd() {
        return fd;
    }

    /** TUNSETVNETHDRSZ: 10 for the legacy virtio-net header, 12 with VIRTIO_NET_F_MRG_RXBUF or VERSION_1. */
    public void setVnetHeaderSize(int bytes) {
        try (Arena arena = Arena.ofConfined()) {
            Ioctl.call(fd, describe(), TUNSETVNETHDRSZ, arena.allocateFrom(JAVA_INT, bytes));
        }
    }

    /** TUNSETOFFLOAD: which offloads ({@code TUN_F_*}) the guest can take in frames it receives. */
    public void setOffload(int flags) {
        Ioctl.call(fd, describe(), TUNSETOFFLOAD, flags);
    }

    /** One frame (virtio-net header first) into {@code buffer}; returns its length or {@link FileDescriptors#WOULD_BLOCK}. */
    public long read(MemorySegment buffer) {
        return FileDescriptors.read(fd, buffer, describe());
    }

    /** Sends one frame (virtio-net header first); returns bytes written or {@link FileDescriptors#WOULD_BLOCK}. */
    public long write(MemorySegment frame) {
        return FileDescriptors.write(fd, frame, describe());
    }

    /** Closes the fd, which deletes the device unless it was made persistent; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, describe());
        }
    }

    private String describe() {
        return "tap " + name + " fd " + fd;
    }
}
