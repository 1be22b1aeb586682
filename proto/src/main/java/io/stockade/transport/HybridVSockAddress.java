package io.stockade.transport;

import java.io.Serial;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A guest vsock port reached through a VMM's hybrid vsock unix socket (the Firecracker / Cloud
 * Hypervisor scheme, containerd's {@code hvsock://}): connect to {@link #socketPath()}, write
 * {@code CONNECT <port>\n}, and the VMM answers a line starting with {@code OK} before the stream
 * carries the guest's bytes. Client side only.
 */
public final class HybridVSockAddress extends SocketAddress {
    @Serial private static final long serialVersionUID = 1L;

    private final transient Path socketPath;
    private final int port;

    /**
     * @param socketPath the VMM's vsock unix socket on the host
     * @param port the guest vsock port (unsigned 32-bit, carried in an int)
     */
    public HybridVSockAddress(Path socketPath, int port) {
        this.socketPath = Objects.requireNonNull(socketPath, "socketPath");
        this.port = port;
    }

    public Path socketPath() {
        return socketPath;
    }

    public int port() {
        return port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HybridVSockAddress other
                && other.port == port
                && other.socketPath.equals(socketPath);
    }

    @Override
    public int hashCode() {
        return socketPath.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        return "hvsock://" + socketPath + ":" + Integer.toUnsignedString(port);
    }
}
