package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.devices.virtio.Descriptor;
import io.stockade.hypervisor.events.Cancellable;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Epoll;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One stream between a guest socket and a host unix socket: the vsock state machine (handshake, data, shutdown in
 * each direction, reset), credit-based flow control and the byte pumping. Guest data goes straight from guest
 * memory into the host socket, and only what the socket does not take at once waits in a ring bounded by the
 * credit we advertise. Host data is read straight into the guest's RX buffers, only as far as the guest's credit
 * allows, and only when the device has a buffer to fill — so a slow side always pushes back on the fast one.
 *
 * <p>Orderly close: each side's "I will send no more" (guest SHUTDOWN SEND / host end of stream) is passed on to
 * the other; once both directions are finished the connection sends RST, which is how the protocol ends a stream,
 * and goes away. Protocol violations and socket errors end it at once with RST. Runs on the event loop only.
 */
final class Connection {

    private static final Logger log = LoggerFactory.getLogger(Connection.class);

    enum State {
        /** Host-initiated, REQUEST sent or about to be; waiting for the guest's RESPONSE. */
        CONNECTING,
        ESTABLISHED,
        /** Over; an RST may still be waiting for an RX buffer, then the connection is released. */
        CLOSED
    }

    // Control packets waiting for the guest, produced in this order.
    private static final int SEND_REQUEST = 1;
    private static final int SEND_RESPONSE = 1 << 1;
    private static final int SEND_SHUTDOWN = 1 << 2;
    private static final int SEND_CREDIT_REQUEST = 1 << 3;
    private static final int SEND_CREDIT_UPDATE = 1 << 4;
    private static final int SEND_RST = 1 << 5;

    /** Epoll interest for the host socket, for its whole life: edge-triggered, so no re-arming is ever needed. */
    static final int HOST_EVENTS = Epoll.EPOLLIN | Epoll.EPOLLOUT | Epoll.EPOLLRDHUP | Epoll.EPOLLET;

    private final ConnectionKey key;
    private final long guestCid;
    private final UnixSocket host;
    private final Credit credit = new Credit();
    private final ByteRing toHost = new ByteRing(Credit.BUFFER_BYTES);

    private State state;
    private int pending;
    private Registration registration;
    private Cancellable timeout;
    private boolean released;
    /** In the backend's queue of connections with something for the guest. */
    boolean queued;

    // Guest -> host direction.
    private boolean guestSendDone;
    private boolean hostOutputShut;
    // Host -> guest direction.
    private boolean guestReceiveDone;
    private boolean hostEndOfStream;
    private boolean hostReadable;
    private boolean creditRequested;

    private Connection(ConnectionKey key, long guestCid, UnixSocket host, State state, int pending) {
        this.key = key;
        this.guestCid = guestCid;
        this.host = host;
        this.state = state;
        this.pending = pending;
    }

    /** A host client asked for guest port {@code key.guestPort()}: REQUEST goes to the guest first. */
    static Connection hostInitiated(ConnectionKey key, long guestCid, UnixSocket host) {
        return new Connection(key, guestCid, host, State.CONNECTING, SEND_REQUEST);
    }

    /** The guest's REQUEST reached a host listener: answer RESPONSE, then data flows. */
    static Connection guestInitiated(ConnectionKey key, long guestCid, UnixSocket host, PacketHeader request) {
        Connection c = new Connection(key, guestCid, host, State.ESTABLISHED, SEND_RESPONSE);
        c.credit.updateFromGuest(request.bufAlloc(), request.fwdCnt());
        return c;
    }

    ConnectionKey key() {
        return key;
    }

    State state() {
        return state;
    }

    UnixSocket host() {
        return host;
    }

    void watchedBy(Registration r) {
        this.registration = r;
    }

    void timeout(Cancellable t) {
        this.timeout = t;
    }

    /** Whether the guest's RESPONSE is still outstanding, for the backend's timeout. */
    boolean isConnecting() {
        return state == State.CONNECTING;
    }

    /** Nothing is left to do: remove it from the table (the backend then calls {@link #release()}). */
    boolean isFinished() {
        return released || (state == State.CLOSED && pending == 0);
    }

    boolean hasPendingRx() {
        if (released) {
            return false;
        }
        return pending != 0 || (canSendData() && (credit.guestFree() > 0 || !creditRequested));
    }

    // ---------------------------------------------------------------- guest -> host

    /** A packet from the guest for this connection, already validated by {@link TxPacket#parse}. */
    void onGuestPacket(TxPacket packet, GuestMemory memory) {
        if (state == State.CLOSED) {
            return; // our RST is on its way; whatever the guest still says is moot
        }
        PacketHeader h = packet.header();
        credit.updateFromGuest(h.bufAlloc(), h.fwdCnt());
        if (credit.guestFree() > 0) {
            creditRequested = false;
        }
        switch (packet.op()) {
            case RST -> {
                log.debug("{}: the guest reset the connection", this);
                state = State.CLOSED;
                pending = 0;
                released = true;
            }
            case RESPONSE -> {
                if (state != State.CONNECTING) {
                    abort("RESPONSE on a connection that is not being opened by the host");
                    return;
                }
                accepted();
            }
            case RW -> {
                if (state != State.ESTABLISHED || guestSendDone) {
                    abort(state != State.ESTABLISHED ? "data before the connection was accepted"
                            : "data after the guest's SHUTDOWN SEND");
                    return;
                }
                forwardToHost(packet, memory);
            }
            case SHUTDOWN -> {
                if (state != State.ESTABLISHED) {
                    abort("SHUTDOWN before the connection was accepted");
                    return;
                }
                if ((h.flags() & PacketHeader.SHUTDOWN_SEND) != 0 && !guestSendDone) {
                    guestSendDone = true;
                    shutHostOutputWhenDrained();
                }
                if ((h.flags() & PacketHeader.SHUTDOWN_RCV) != 0) {
                    guestReceiveDone = true;
                }
                finishIfBothDirectionsDone();
            }
            case CREDIT_UPDATE -> {
                // Credit was taken from the header above; nothing else to do.
            }
            case CREDIT_REQUEST -> pending |= SEND_CREDIT_UPDATE;
            case REQUEST -> abort("REQUEST on a connection that already exists");
        }
    }

    private void accepted() {
        state = State.ESTABLISHED;
        cancelTimeout();
        byte[] ok = ConnectLine.ok(key.hostPort());
        try (Arena arena = Arena.ofConfined()) {
            long n = host.write(arena.allocateFrom(ValueLayout.JAVA_BYTE, ok));
            if (n != ok.length) {
                // A fresh socket's send buffer always takes a dozen bytes; anything else is a broken peer.
                abort("the host client did not take the " + ok.length + "-byte OK line (took " + n + ")");
            }
        } catch (RuntimeException e) {
            abort("cannot send the OK line to the host client: " + e.getMessage());
        }
    }

    private void forwardToHost(TxPacket packet, GuestMemory memory) {
        long len = packet.header().lenUnsigned();
        if (len == 0) {
            return;
        }
        if (!credit.guestMaySend(len)) {
            abort(String.format("the guest sent %d bytes with %d already unforwarded, overrunning the %d-byte"
                    + " buffer we advertised", len, credit.unforwarded(), Credit.BUFFER_BYTES));
            return;
        }
        credit.receivedFromGuest((int) len);
        try {
            for (Descriptor d : packet.payload().descriptors()) {
                MemorySegment data = memory.segment(d.address(), d.length());
                long written = 0;
                if (toHost.isEmpty()) {
                    written = host.write(data);
                    if (written == UnixSocket.WOULD_BLOCK) {
                        written = 0;
                    }
                    credit.forwarded(written);
                }
                if (written < data.byteSize()) {
                    toHost.append(data.asSlice(written));
                }
            }
        } catch (RuntimeException e) {
            abort("cannot write to the host socket: " + e.getMessage());
            return;
        }
        if (credit.guestNeedsUpdate()) {
            pending |= SEND_CREDIT_UPDATE;
        }
    }

    /** The host socket has room again: move buffered guest data on. */
    private void flushToHost() {
        try {
            while (!toHost.isEmpty()) {
                long n = host.write(toHost.oldest());
                if (n == UnixSocket.WOULD_BLOCK) {
                    return;
                }
                toHost.consume(n);
                credit.forwarded(n);
            }
        } catch (RuntimeException e) {
            abort("cannot write to the host socket: " + e.getMessage());
            return;
        } finally {
            if (state != State.CLOSED && credit.guestNeedsUpdate()) {
                pending |= SEND_CREDIT_UPDATE;
            }
        }
        shutHostOutputWhenDrained();
        finishIfBothDirectionsDone();
    }

    private void shutHostOutputWhenDrained() {
        if (guestSendDone && !hostOutputShut && toHost.isEmpty() && state == State.ESTABLISHED) {
            try {
                host.shutdownOutput();
                hostOutputShut = true;
            } catch (RuntimeException e) {
                abort("cannot pass the guest's end of stream on to the host socket: " + e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------- host events

    /** The event loop saw {@code events} on the host socket. */
    void onHostReady(int events) {
        if (state == State.CLOSED || released) {
            return;
        }
        if ((events & (Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLHUP | Epoll.EPOLLERR)) != 0) {
            hostReadable = true; // a read reports the data, the end of stream or the error
        }
        if ((events & (Epoll.EPOLLOUT | Epoll.EPOLLERR | Epoll.EPOLLHUP)) != 0 && !toHost.isEmpty()) {
            flushToHost();
        }
    }

    /** The guest did not answer our REQUEST in time. */
    void connectTimedOut() {
        if (state == State.CONNECTING) {
            abort("the guest did not answer the connection request in time");
        }
    }

    // ---------------------------------------------------------------- host -> guest

    /**
     * Fills {@code rx} with the next packet for the guest, if there is one; returns its header (already written).
     */
    Optional<PacketHeader> fillRx(RxBuffer rx) {
        if (released) {
            return Optional.empty();
        }
        if (take(SEND_REQUEST)) {
            return Optional.of(complete(rx, Op.REQUEST, 0, 0));
        }
        if (take(SEND_RESPONSE)) {
            return Optional.of(complete(rx, Op.RESPONSE, 0, 0));
        }
        if (canSendData()) {
            Optional<PacketHeader> data = readFromHost(rx);
            if (data.isPresent()) {
                return data;
            }
        }
        if (take(SEND_SHUTDOWN)) {
            return Optional.of(complete(rx, Op.SHUTDOWN, 0, PacketHeader.SHUTDOWN_SEND));
        }
        if (take(SEND_CREDIT_REQUEST)) {
            return Optional.of(complete(rx, Op.CREDIT_REQUEST, 0, 0));
        }
        if (take(SEND_CREDIT_UPDATE)) {
            return Optional.of(complete(rx, Op.CREDIT_UPDATE, 0, 0));
        }
        if (take(SEND_RST)) {
            return Optional.of(complete(rx, Op.RST, 0, 0));
        }
        return Optional.empty();
    }

    private boolean canSendData() {
        return state == State.ESTABLISHED && (pending & SEND_RESPONSE) == 0 && hostReadable && !hostEndOfStream
                && !guestReceiveDone;
    }

    private Optional<PacketHeader> readFromHost(RxBuffer rx) {
        long free = credit.guestFree();
        if (free == 0) {
            if (!creditRequested) {
                creditRequested = true;
                pending |= SEND_CREDIT_REQUEST;
            }
            return Optional.empty();
        }
        MemorySegment window = rx.payloadWindow((int) Math.min(free, Integer.MAX_VALUE));
        if (window.byteSize() == 0) {
            return Optional.empty(); // a header-only buffer: control packets can still use it
        }
        long n;
        try {
            n = host.read(window);
        } catch (RuntimeException e) {
            abort("cannot read from the host socket: " + e.getMessage());
            return Optional.empty();
        }
        if (n == UnixSocket.WOULD_BLOCK) {
            hostReadable = false;
            return Optional.empty();
        }
        if (n == 0) {
            hostEndOfStream = true;
            pending |= SEND_SHUTDOWN;
            finishIfBothDirectionsDone();
            return Optional.empty();
        }
        credit.sentToGuest(n);
        return Optional.of(complete(rx, Op.RW, (int) n, 0));
    }

    // ---------------------------------------------------------------- ending

    /** Ends the connection at once with RST to the guest, logging why. */
    void abort(String reason) {
        if (state == State.CLOSED) {
            return;
        }
        log.info("{}: resetting: {}", this, reason);
        state = State.CLOSED;
        pending = SEND_RST;
        closeHostSide();
    }

    /** Both directions have ended in order: tell the guest with RST, after any SHUTDOWN still due. */
    private void finishIfBothDirectionsDone() {
        if (state == State.ESTABLISHED && guestSendDone && hostOutputShut
                && (hostEndOfStream || guestReceiveDone)) {
            log.debug("{}: both directions finished", this);
            state = State.CLOSED;
            pending = (pending & SEND_SHUTDOWN) | SEND_RST;
            closeHostSide();
        }
    }

    /** Frees everything; idempotent. The backend calls this once the connection is out of its table. */
    void release() {
        released = true;
        closeHostSide();
    }

    private void closeHostSide() {
        cancelTimeout();
        if (registration != null) {
            registration.cancel();
            registration = null;
        }
        try {
            host.close();
        } catch (RuntimeException e) {
            log.debug("{}: closing the host socket failed: {}", this, e.getMessage());
        }
        toHost.close();
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel();
            timeout = null;
        }
    }

    private boolean take(int bit) {
        if ((pending & bit) == 0) {
            return false;
        }
        pending &= ~bit;
        return true;
    }

    private PacketHeader complete(RxBuffer rx, Op op, int len, int flags) {
        PacketHeader h = new PacketHeader(PacketHeader.HOST_CID, guestCid, key.hostPort(), key.guestPort(), len,
                PacketHeader.TYPE_STREAM, op.code(), flags, Credit.BUFFER_BYTES, credit.fwdCnt());
        rx.complete(h);
        credit.advertised();
        if (!credit.guestNeedsUpdate()) {
            pending &= ~SEND_CREDIT_UPDATE; // this packet carried the news
        }
        return h;
    }

    @Override
    public String toString() {
        return "vsock connection " + key;
    }
}
