package io.stockade.hypervisor.devices.virtio.net;

import io.stockade.hypervisor.sys.EventFd;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * An in-memory {@link NetBackend} for tests: packets injected with {@link #inject} wait to be received, sent packets
 * are recorded. Its readiness fd is a real eventfd kept readable exactly while packets wait, like a TAP's fd.
 * Sending can be made to refuse (a full backend) or to fail (a TAP that is down).
 */
final class FakeNetBackend implements NetBackend {

    private final EventFd readiness = EventFd.create();
    private final Deque<byte[]> waiting = new ArrayDeque<>();
    private final List<byte[]> sent = new ArrayList<>();
    private int receiveCalls;
    private boolean refuseSends;
    private RuntimeException sendFailure;
    private RuntimeException receiveFailure;
    private boolean closed;

    /** Queues {@code packet} (header + frame) for the device to receive. */
    synchronized void inject(byte[] packet) {
        if (waiting.isEmpty()) {
            readiness.write(1);
        }
        waiting.add(packet.clone());
    }

    synchronized int waitingPackets() {
        return waiting.size();
    }

    synchronized int receiveCalls() {
        return receiveCalls;
    }

    /** Every packet the device sent, in order. */
    synchronized List<byte[]> sent() {
        return List.copyOf(sent);
    }

    synchronized void refuseSends(boolean refuse) {
        refuseSends = refuse;
    }

    synchronized void failSends(RuntimeException failure) {
        sendFailure = failure;
    }

    synchronized void failReceives(RuntimeException failure) {
        receiveFailure = failure;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized long receive(MemorySegment buffer) {
        receiveCalls++;
        if (receiveFailure != null) {
            throw receiveFailure;
        }
        byte[] packet = waiting.poll();
        if (packet == null) {
            return NO_PACKET;
        }
        if (waiting.isEmpty()) {
            readiness.read();
        }
        int n = (int) Math.min(packet.length, buffer.byteSize());
        MemorySegment.copy(packet, 0, buffer, JAVA_BYTE, 0, n);
        return n;
    }

    @Override
    public synchronized boolean send(MemorySegment packet) {
        if (sendFailure != null) {
            throw sendFailure;
        }
        if (refuseSends) {
            return false;
        }
        sent.add(packet.toArray(JAVA_BYTE));
        return true;
    }

    @Override
    public int readinessFd() {
        return readiness.fd();
    }

    @Override
    public synchronized void close() {
        closed = true;
        readiness.close();
    }

    @Override
    public String toString() {
        return "fake backend";
    }
}
