package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.events.Registration;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.sys.Epoll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hybrid vsock backend (Firecracker's and Cloud Hypervisor's): the guest's vsock peer is a set of host unix
 * sockets. Host clients connect to {@code <path>} and send {@code CONNECT <guest port>\n}; once the guest accepts
 * they read {@code OK <host port>\n} and then the stream. A guest connecting to host port P reaches whoever
 * listens on {@code <path>_P}; nobody there means RST.
 *
 * <p>This class multiplexes the connections: it owns the listener, the pending handshakes and the connection table,
 * routes guest packets to connections (answering RST for unknown ones), and decides which connection gets the next
 * RX buffer (round robin, replies to unknown connections first). It tells the device through {@code rxReady} when
 * host events produced something for the guest. Everything runs on the event loop thread.
 */
final class HybridUnixBackend implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HybridUnixBackend.class);

    /** The first host port handed out to host-initiated connections, clear of the ports services listen on. */
    static final int FIRST_HOST_PORT = 1 << 30;
    /** RSTs for packets of unknown connections waiting for RX buffers; TX stops while this many are queued. */
    static final int MAX_QUEUED_RESETS = 64;
    private static final int LISTEN_BACKLOG = 128;

    /** Bounds on what host clients and the guest can make the backend hold. */
    record Limits(Duration handshakeTimeout, Duration guestAnswerTimeout, int maxConnections, int maxHandshakes) {
        static final Limits DEFAULT = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(10), 1024, 64);
    }

    private final Path path;
    private final long guestCid;
    private final EventLoop loop;
    private final Limits limits;
    private final UnixSocket listener;
    private final Registration listenerRegistration;

    // Event loop only.
    private final Map<ConnectionKey, Connection> connections = new HashMap<>();
    private final Set<HostHandshake> handshakes = new HashSet<>();
    private final ArrayDeque<Connection> wantRx = new ArrayDeque<>();
    private final ArrayDeque<PacketHeader> resets = new ArrayDeque<>();
    private Runnable rxReady = () -> { };
    private boolean active;
    private int nextHostPort = FIRST_HOST_PORT;
    private boolean closed;

    private HybridUnixBackend(Path path, long guestCid, EventLoop loop, Limits limits) {
        this.path = path;
        this.guestCid = guestCid;
        this.loop = loop;
        this.limits = limits;
        this.listener = UnixSocket.listen(path, LISTEN_BACKLOG);
        try {
            this.listenerRegistration = loop.register(listener.fd(), Epoll.EPOLLIN, events -> acceptClients());
        } catch (RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    /**
     * Binds the listener at {@code path} and starts accepting host clients on {@code loop}.
     *
     * @throws io.stockade.hypervisor.sys.LinuxException if the socket cannot be bound (e.g. the path exists)
     */
    static HybridUnixBackend listen(Path path, long guestCid, EventLoop loop, Limits limits) {
        return new HybridUnixBackend(path, guestCid, loop, limits);
    }

    Path path() {
        return path;
    }

    /** Called with nothing held whenever host activity leaves something for the guest. */
    void onRxReady(Runnable rxReady) {
        this.rxReady = rxReady;
    }

    /** The guest driver is up: host clients may now be connected through. */
    void activate() {
        active = true;
    }

    /** The guest forgot every connection (driver reset, transport reset): close their host sides. */
    void dropAllConnections() {
        List<Connection> all = new ArrayList<>(connections.values());
        for (Connection c : all) {
            release(c);
        }
        wantRx.clear();
        resets.clear();
    }

    /** The guest driver went away. */
    void deactivate() {
        active = false;
        dropAllConnections();
    }

    // ---------------------------------------------------------------- guest packets

    /** Whether the backend can take another TX packet (it might need an RX buffer for the answer). */
    boolean acceptsTx() {
        return resets.size() < MAX_QUEUED_RESETS;
    }

    void onGuestPacket(TxPacket packet, GuestMemory memory) {
        PacketHeader h = packet.header();
        ConnectionKey key = new ConnectionKey(h.dstPort(), h.srcPort());
        Connection c = connections.get(key);
        if (c != null) {
            c.onGuestPacket(packet, memory);
            settle(c);
            return;
        }
        switch (packet.op()) {
            case REQUEST -> connectToHost(key, h);
            case RST -> { } // never answer an RST
            default -> {
                log.debug("vsock {}: op {} for unknown {}; answering RST", path, packet.op(), key);
                answerWithReset(h);
            }
        }
    }

    /**
     * Answers an invalid packet with RST. If it belongs to an open connection, that connection is over: part of
     * its stream is lost, so it is reset and its host side closed.
     */
    void refuse(PacketHeader h, String reason) {
        Connection c = connections.get(new ConnectionKey(h.dstPort(), h.srcPort()));
        if (c != null) {
            c.abort("invalid packet: " + reason);
            settle(c);
        } else {
            answerWithReset(h);
        }
    }

    /** Queues an RST for the sender of {@code h} (which is not itself an RST). */
    void answerWithReset(PacketHeader h) {
        if (resets.size() >= MAX_QUEUED_RESETS) {
            log.debug("vsock {}: dropping RST for {}: {} already queued", path, h, resets.size());
            return;
        }
        resets.add(new PacketHeader(PacketHeader.HOST_CID, guestCid, h.dstPort(), h.srcPort(), 0, h.type(),
                Op.RST.code(), 0, 0, 0));
    }

    private void connectToHost(ConnectionKey key, PacketHeader request) {
        if (connections.size() >= limits.maxConnections()) {
            log.warn("vsock {}: refusing the guest's connection to host port {}: {} connections are open", path,
                    Integer.toUnsignedString(key.hostPort()), connections.size());
            answerWithReset(request);
            return;
        }
        Path target = Path.of(path + "_" + Integer.toUnsignedString(key.hostPort()));
        String[] whyNot = new String[1];
        Optional<UnixSocket> socket = UnixSocket.connect(target, whyNot);
        if (socket.isEmpty()) {
            log.debug("vsock {}: guest connection to host port {} refused: {}", path,
                    Integer.toUnsignedString(key.hostPort()), whyNot[0]);
            answerWithReset(request);
            return;
        }
        Connection c = Connection.guestInitiated(key, guestCid, socket.get(), request);
        if (watch(c)) {
            log.debug("{}: guest connected to {}", c, target);
            connections.put(key, c);
            settle(c);
        } else {
            answerWithReset(request);
        }
    }

    // ---------------------------------------------------------------- RX

    boolean hasPendingRx() {
        return !resets.isEmpty() || !wantRx.isEmpty();
    }

    /**
     * Writes the next packet for the guest into {@code rx}.
     *
     * @return the packet's total length, or empty if nobody had anything after all
     */
    OptionalLong fillRx(RxBuffer rx) {
        PacketHeader reset = resets.poll();
        if (reset != null) {
            return OptionalLong.of(rx.complete(reset));
        }
        for (Connection c = wantRx.poll(); c != null; c = wantRx.poll()) {
            c.queued = false;
            Optional<PacketHeader> packet = c.fillRx(rx);
            settle(c);
            if (packet.isPresent()) {
                return OptionalLong.of(PacketHeader.BYTES + packet.get().lenUnsigned());
            }
        }
        return OptionalLong.empty();
    }

    // ---------------------------------------------------------------- host side

    private void acceptClients() {
        while (true) {
            Optional<UnixSocket> accepted;
            try {
                accepted = listener.accept();
            } catch (RuntimeException e) {
                log.warn("vsock {}: accepting a host client failed: {}", path, e.getMessage());
                return;
            }
            if (accepted.isEmpty()) {
                return;
            }
            UnixSocket client = accepted.get();
            if (!active || handshakes.size() >= limits.maxHandshakes()) {
                log.info("vsock {}: turning away a host client: {}", path,
                        active ? handshakes.size() + " handshakes are already in progress"
                                : "the guest's vsock driver is not running");
                client.close();
                continue;
            }
            HostHandshake hs = new HostHandshake(client);
            try {
                Registration r = loop.register(client.fd(), Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLET,
                        events -> continueHandshake(hs));
                hs.watch(r, loop.schedule(limits.handshakeTimeout(), () -> abandonHandshake(hs,
                        "no CONNECT line within " + limits.handshakeTimeout())));
                handshakes.add(hs);
            } catch (RuntimeException e) {
                log.warn("vsock {}: cannot watch host client {}: {}", path, client, e.getMessage());
                hs.finish(true);
            }
        }
    }

    private void continueHandshake(HostHandshake hs) {
        if (!handshakes.contains(hs)) {
            return;
        }
        OptionalInt port;
        try {
            port = hs.readPort();
        } catch (RuntimeException e) {
            abandonHandshake(hs, e.getMessage());
            return;
        }
        if (port.isEmpty()) {
            return;
        }
        handshakes.remove(hs);
        hs.finish(false);
        if (!active || connections.size() >= limits.maxConnections()) {
            log.info("vsock {}: refusing host connection to guest port {}: {}", path,
                    Integer.toUnsignedString(port.getAsInt()),
                    active ? connections.size() + " connections are open" : "the guest's vsock driver is not running");
            hs.socket().close();
            return;
        }
        ConnectionKey key = new ConnectionKey(allocateHostPort(port.getAsInt()), port.getAsInt());
        Connection c = Connection.hostInitiated(key, guestCid, hs.socket());
        if (!watch(c)) {
            return;
        }
        c.timeout(loop.schedule(limits.guestAnswerTimeout(), () -> {
            c.connectTimedOut();
            settle(c);
            rxReady.run();
        }));
        connections.put(key, c);
        log.debug("{}: host client asks for the guest", c);
        settle(c);
        rxReady.run();
    }

    private void abandonHandshake(HostHandshake hs, String reason) {
        if (handshakes.remove(hs)) {
            log.info("vsock {}: closing host client {}: {}", path, hs, reason);
            hs.finish(true);
        }
    }

    /** Registers the connection's host socket; on failure the socket is closed and false returned. */
    private boolean watch(Connection c) {
        try {
            c.watchedBy(loop.register(c.host().fd(), Connection.HOST_EVENTS, events -> {
                c.onHostReady(events);
                settle(c);
                rxReady.run();
            }));
            return true;
        } catch (RuntimeException e) {
            log.warn("{}: cannot watch host socket {}: {}", c, c.host(), e.getMessage());
            c.release();
            return false;
        }
    }

    private int allocateHostPort(int guestPort) {
        while (true) {
            int candidate = nextHostPort;
            nextHostPort = nextHostPort == -2 ? FIRST_HOST_PORT : nextHostPort + 1; // -1 is VMADDR_PORT_ANY
            if (!connections.containsKey(new ConnectionKey(candidate, guestPort))) {
                return candidate; // the table is bounded far below 2^31 entries, so this ends quickly
            }
        }
    }

    /** Brings the queues in line with {@code c}'s state after anything happened to it. */
    private void settle(Connection c) {
        if (c.isFinished()) {
            release(c);
        } else if (c.hasPendingRx() && !c.queued) {
            c.queued = true;
            wantRx.add(c);
        }
    }

    private void release(Connection c) {
        connections.remove(c.key(), c);
        if (c.queued) {
            wantRx.remove(c);
            c.queued = false;
        }
        c.release();
    }

    /** Closes every connection and the listener, and removes the socket file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        active = false;
        dropAllConnections();
        for (HostHandshake hs : handshakes) {
            hs.finish(true);
        }
        handshakes.clear();
        listenerRegistration.cancel();
        listener.close();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.warn("vsock: cannot remove socket {}: {}", path, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "hybrid vsock " + path;
    }
}
