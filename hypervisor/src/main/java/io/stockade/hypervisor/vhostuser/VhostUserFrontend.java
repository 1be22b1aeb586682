package io.stockade.hypervisor.vhostuser;

import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.sys.Epoll;
import io.stockade.hypervisor.sys.EventFd;
import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.LinuxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The frontend of one vhost-user connection: sends the requests that hand a device to a backend (ownership, feature
 * and protocol-feature negotiation, the memory table with its fds, each vring's size, addresses, base index and
 * kick/call/err eventfds, enabling) and validates every reply — request code, version, REPLY flag and exact size.
 * With REPLY_ACK negotiated every request without a natural reply is sent with NEED_REPLY, so a backend that
 * refuses one is reported at that request rather than by a silent device.
 *
 * <p><b>Failure.</b> A backend that hangs up, does not answer within the timeout, or answers out of protocol leaves
 * the byte stream in an unknown state, so the frontend becomes <em>broken</em>: that request and every later one
 * throw a {@link VhostUserException} naming the socket, the request and the first failure. A backend that merely
 * rejects a request (non-zero REPLY_ACK status) does not break the connection. Recovery is a new connection.
 *
 * <p>Thread-safe: requests are serialized, each with its reply.
 */
public final class VhostUserFrontend implements AutoCloseable {
    /** No fd accompanies SET_VRING_KICK/CALL/ERR: the backend polls, or does not signal. */
    static final long VRING_NOFD = 1L << 8;
    static final int MAX_REGIONS = 8;
    static final int MAX_QUEUE_SIZE = 32768;

    private final VhostUserChannel channel;
    private boolean replyAck;
    private List<MemoryRegion> memoryTable = List.of();
    // Set once, by the first failure; read without the lock so the event loop never waits for an exchange.
    private final AtomicReference<String> brokenReason = new AtomicReference<>();
    private boolean closed;

    VhostUserFrontend(VhostUserChannel channel) {
        this.channel = channel;
    }

    /**
     * Connects to the backend listening on {@code socket}.
     *
     * @param timeout how long any one send or reply may take before the backend is declared broken
     */
    public static VhostUserFrontend connect(Path socket, Duration timeout) {
        try {
            return new VhostUserFrontend(UnixSocketChannel.connect(socket, timeout));
        } catch (RuntimeException e) {
            throw new VhostUserException("cannot connect to vhost-user backend " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Names the backend in messages, e.g. {@code "vhost-user backend /run/stockade/p1/fs.sock"}. */
    public String describe() {
        return channel.describe();
    }

    /** Claims the backend for this connection; the first request of a session. */
    public void setOwner() {
        exchange(Request.SET_OWNER, new byte[0], new int[0]);
    }

    /** The virtio feature bits the backend offers, plus {@link ProtocolFeatures#VHOST_USER_F_PROTOCOL_FEATURES}. */
    public long getFeatures() {
        return u64(exchange(Request.GET_FEATURES, new byte[0], new int[0]));
    }

    /** The features the driver accepted, plus {@link ProtocolFeatures#VHOST_USER_F_PROTOCOL_FEATURES} if in use. */
    public void setFeatures(long features) {
        exchange(Request.SET_FEATURES, u64(features), new int[0]);
    }

    public long getProtocolFeatures() {
        return u64(exchange(Request.GET_PROTOCOL_FEATURES, new byte[0], new int[0]));
    }

    /** Acknowledges protocol features; from the next request on, REPLY_ACK (if acknowledged) is used. */
    public void setProtocolFeatures(long features) {
        exchange(Request.SET_PROTOCOL_FEATURES, u64(features), new int[0]);
        synchronized (this) {
            replyAck = (features & ProtocolFeatures.REPLY_ACK) != 0;
        }
    }

    /** How many queues the backend supports (needs {@link ProtocolFeatures#MQ}). */
    public int getQueueNum() {
        long n = u64(exchange(Request.GET_QUEUE_NUM, new byte[0], new int[0]));
        if (n <= 0 || n > 0xffff) {
            throw breakWith(Request.GET_QUEUE_NUM, "backend claims " + Long.toUnsignedString(n) + " queues", null);
        }
        return (int) n;
    }

    /** Shares guest memory: each region's fd travels with the message; the backend maps it. */
    public void setMemTable(List<MemoryRegion> regions) {
        if (regions.isEmpty() || regions.size() > MAX_REGIONS) {
            throw new IllegalArgumentException("SET_MEM_TABLE takes 1.." + MAX_REGIONS + " regions, got "
                    + regions.size());
        }
        ByteBuffer payload = ByteBuffer.allocate(8 + MemoryRegion.BYTES * regions.size()).order(ByteOrder.LITTLE_ENDIAN);
        payload.putInt(regions.size()).putInt(0);
        int[] fds = new int[regions.size()];
        for (int i = 0; i < regions.size(); i++) {
            regions.get(i).encode(payload);
            fds[i] = regions.get(i).fd();
        }
        exchange(Request.SET_MEM_TABLE, payload.array(), fds);
        synchronized (this) {
            memoryTable = List.copyOf(regions);
        }
    }

    /**
     * The frontend address of guest address {@code gpa} in the last memory table, as SET_VRING_ADDR wants it.
     *
     * @throws IllegalArgumentException if no region of that table contains it
     */
    public synchronized long userAddress(long gpa) {
        for (MemoryRegion r : memoryTable) {
            long address = r.userAddressOf(gpa);
            if (address >= 0) {
                return address;
            }
        }
        throw new IllegalArgumentException(String.format("guest address 0x%x is in no region of the memory table "
                + "sent to %s", gpa, describe()));
    }

    public void setVringNum(int index, int size) {
        if (size <= 0 || size > MAX_QUEUE_SIZE) {
            throw new IllegalArgumentException("vring " + index + " size " + size + " is outside [1, " + MAX_QUEUE_SIZE
                    + "]");
        }
        exchange(Request.SET_VRING_NUM, vringState(index, size), new int[0]);
    }

    public void setVringAddr(VringAddresses addresses) {
        exchange(Request.SET_VRING_ADDR, addresses.encode(), new int[0]);
    }

    /** Where the backend starts reading the avail ring: 0 for a freshly started device. */
    public void setVringBase(int index, int availIndex) {
        if (availIndex < 0 || availIndex > 0xffff) {
            throw new IllegalArgumentException("vring " + index + " base " + availIndex + " is not a 16-bit index");
        }
        exchange(Request.SET_VRING_BASE, vringState(index, availIndex), new int[0]);
    }

    /** Stops vring {@code index} and returns the backend's next avail index. */
    public int getVringBase(int index) {
        byte[] reply = exchange(Request.GET_VRING_BASE, vringState(index, 0), new int[0]);
        ByteBuffer b = ByteBuffer.wrap(reply).order(ByteOrder.LITTLE_ENDIAN);
        int replyIndex = b.getInt();
        int base = b.getInt();
        if (replyIndex != index) {
            throw breakWith(Request.GET_VRING_BASE, "reply names vring " + replyIndex + ", asked for " + index, null);
        }
        return base;
    }

    /** The eventfd the frontend writes when the driver kicks vring {@code index}. */
    public void setVringKick(int index, EventFd kick) {
        sendVringFd(Request.SET_VRING_KICK, index, kick);
    }

    /** The eventfd the backend writes when it used buffers of vring {@code index}. */
    public void setVringCall(int index, EventFd call) {
        sendVringFd(Request.SET_VRING_CALL, index, call);
    }

    /** The eventfd the backend writes when vring {@code index} hits an error. */
    public void setVringErr(int index, EventFd err) {
        sendVringFd(Request.SET_VRING_ERR, index, err);
    }

    /** Enables or disables vring {@code index} (rings start disabled once protocol features are negotiated). */
    public void setVringEnable(int index, boolean enable) {
        exchange(Request.SET_VRING_ENABLE, vringState(index, enable ? 1 : 0), new int[0]);
    }

    public boolean isBroken() {
        return brokenReason.get() != null;
    }

    /** Why the connection broke, if it did. */
    public Optional<String> brokenReason() {
        return Optional.ofNullable(brokenReason.get());
    }

    /**
     * Watches the connection on {@code loop} so that a backend that dies between requests is noticed at once: the
     * frontend becomes broken and {@code onHangup} is told why, on the loop thread. Cancel the registration before
     * {@link #close}. Returns empty for channels that cannot be watched.
     */
    public Optional<Registration> watchForHangup(EventLoop loop, Consumer<String> onHangup) {
        OptionalInt fd = channel.pollableFd();
        if (fd.isEmpty()) {
            return Optional.empty();
        }
        AtomicReference<Registration> self = new AtomicReference<>();
        self.set(loop.register(fd.getAsInt(), Epoll.EPOLLRDHUP, events -> {
            // Level-triggered: stop watching, or the loop would spin on the hung-up socket.
            Registration registration = self.get();
            if (registration == null) {
                return; // fired before register() returned; the next round cancels
            }
            registration.cancel();
            String reason = "the backend hung up (epoll events 0x" + Integer.toHexString(events) + ")";
            brokenReason.compareAndSet(null, reason);
            onHangup.accept(describe() + ": " + reason);
        }));
        return Optional.of(self.get());
    }

    /** Closes the connection; a backend like virtiofsd exits when its frontend goes. Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "vhost-user frontend to " + describe();
    }

    private void sendVringFd(Request request, int index, EventFd fd) {
        checkIndex(index);
        long payload = index | (fd == null ? VRING_NOFD : 0);
        exchange(request, u64(payload), fd == null ? new int[0] : new int[] {fd.fd()});
    }

    private synchronized byte[] exchange(Request request, byte[] payload, int[] fds) {
        if (closed) {
            throw new VhostUserException(describe() + ": " + request + " on a closed connection");
        }
        String broken = brokenReason.get();
        if (broken != null) {
            throw new VhostUserException(describe() + ": " + request + " refused, the connection is broken: "
                    + broken);
        }
        boolean ack = request.reply == Request.Reply.NONE && replyAck;
        byte[] header = MessageHeader.request(request, ack, payload.length).encode();
        byte[] message = new byte[header.length + payload.length];
        System.arraycopy(header, 0, message, 0, header.length);
        System.arraycopy(payload, 0, message, header.length, payload.length);
        try {
            channel.send(message, fds);
        } catch (RuntimeException e) {
            throw breakWith(request, "send failed: " + failure(e), e);
        }
        if (request.reply == Request.Reply.NONE && !ack) {
            return new byte[0];
        }
        int expected = ack ? 8 : request.reply.payloadBytes;
        byte[] reply;
        try {
            MessageHeader replyHeader = MessageHeader.decode(channel.receive(MessageHeader.BYTES));
            String problem = replyHeader.replyProblem(request, expected);
            if (problem != null) {
                throw breakWith(request, problem, null);
            }
            reply = channel.receive(expected);
        } catch (VhostUserException e) {
            throw e;
        } catch (RuntimeException e) {
            throw breakWith(request, "no reply: " + failure(e), e);
        }
        if (ack) {
            long status = u64(reply);
            if (status != 0) {
                throw new VhostUserException(describe() + " rejected " + request + " (REPLY_ACK status "
                        + Long.toUnsignedString(status) + ")");
            }
        }
        return reply;
    }

    private VhostUserException breakWith(Request request, String reason, Throwable cause) {
        brokenReason.compareAndSet(null, request + ": " + reason);
        return new VhostUserException(describe() + ": " + request + " failed, connection now broken: " + reason, cause);
    }

    private static String failure(RuntimeException e) {
        if (e instanceof LinuxException le && le.is(Errno.EAGAIN)) {
            return "timed out (" + e.getMessage() + ")";
        }
        return e.getCause() != null && e.getMessage() == null ? e.getCause().getMessage() : e.getMessage();
    }

    private static byte[] vringState(int index, int num) {
        checkIndex(index);
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(index).putInt(num).array();
    }

    private static void checkIndex(int index) {
        if (index < 0 || index > 0xff) {
            throw new IllegalArgumentException("vring index " + index + " is outside [0, 255]");
        }
    }

    private static byte[] u64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    private static long u64(byte[] payload) {
        return ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
