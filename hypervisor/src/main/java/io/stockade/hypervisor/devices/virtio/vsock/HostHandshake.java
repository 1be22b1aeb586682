package io.stockade.hypervisor.devices.virtio.vsock;

import io.stockade.hypervisor.events.Cancellable;
import io.stockade.hypervisor.events.Registration;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * A host client that connected to the vsock socket and has not finished its {@code CONNECT <port>\n} line yet.
 * The line is read one byte at a time: whatever the client sends after the newline is stream data for the guest
 * and must stay in the socket until the guest has accepted the connection.
 */
final class HostHandshake {

    private final UnixSocket socket;
    private final MemorySegment oneByte = Arena.ofAuto().allocate(1);
    private final byte[] line = new byte[ConnectLine.MAX_BYTES];
    private int length;
    private Registration registration;
    private Cancellable timeout;

    HostHandshake(UnixSocket socket) {
        this.socket = socket;
    }

    UnixSocket socket() {
        return socket;
    }

    void watch(Registration r, Cancellable t) {
        this.registration = r;
        this.timeout = t;
    }

    /**
     * Reads what has arrived of the line.
     *
     * @return the requested guest port once the whole line is in, empty while more is to come
     * @throws IllegalArgumentException if the line is malformed, too long, or the client hung up before its end
     */
    OptionalInt readPort() {
        while (true) {
            long n = socket.read(oneByte);
            if (n == UnixSocket.WOULD_BLOCK) {
                return OptionalInt.empty();
            }
            if (n == 0) {
                throw new IllegalArgumentException("the client closed the connection after " + length
                        + " bytes, before finishing its CONNECT line");
            }
            byte b = oneByte.get(ValueLayout.JAVA_BYTE, 0);
            if (b == '\n') {
                return OptionalInt.of(ConnectLine.parsePort(Arrays.copyOf(line, length)));
            }
            if (length == line.length - 1) {
                throw new IllegalArgumentException("no newline within the first " + ConnectLine.MAX_BYTES
                        + " bytes of the CONNECT line");
            }
            line[length++] = b;
        }
    }

    /** Stops watching the socket; {@code closeSocket} also closes it (otherwise it now belongs to a connection). */
    void finish(boolean closeSocket) {
        if (timeout != null) {
            timeout.cancel();
        }
        if (registration != null) {
            registration.cancel();
        }
        if (closeSocket) {
            socket.close();
        }
    }

    @Override
    public String toString() {
        return socket.toString();
    }
}
