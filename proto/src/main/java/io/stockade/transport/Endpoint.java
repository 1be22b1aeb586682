package io.stockade.transport;

import io.netty.channel.epoll.VSockAddress;
import io.netty.channel.unix.DomainSocketAddress;

import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A containerd-style service address: an optional protocol prefix and a socket address. Understands
 * {@code [ttrpc+|grpc+]unix:///path}, {@code [ttrpc+]vsock://CID:PORT}, {@code
 * [ttrpc+]hvsock:///uds/path:PORT} and a bare absolute path (containerd's {@code grpc+/path});
 * {@link #toString()} writes the same forms back.
 *
 * @param protocol the RPC protocol named by the prefix, {@link Protocol#UNSPECIFIED} without one
 * @param address a {@link DomainSocketAddress}, {@link VSockAddress} or {@link HybridVSockAddress}
 */
public record Endpoint(Protocol protocol, SocketAddress address) {
    /** The RPC protocol an address announces. */
    public enum Protocol {
        TTRPC,
        GRPC,
        UNSPECIFIED
    }

    public Endpoint {
        Objects.requireNonNull(protocol, "protocol");
        Transport.of(address);
    }

    /** Parses {@code uri}; IllegalArgumentException naming the input and what is wrong with it. */
    public static Endpoint parse(String uri) {
        Objects.requireNonNull(uri, "uri");
        Protocol protocol = Protocol.UNSPECIFIED;
        String rest = uri.strip();
        if (rest.startsWith("ttrpc+")) {
            protocol = Protocol.TTRPC;
            rest = rest.substring("ttrpc+".length());
        } else if (rest.startsWith("grpc+")) {
            protocol = Protocol.GRPC;
            rest = rest.substring("grpc+".length());
        }
        try {
            return new Endpoint(protocol, parseSocketAddress(rest));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "bad endpoint address '" + uri + "': " + e.getMessage(), e);
        }
    }

    private static SocketAddress parseSocketAddress(String address) {
        if (address.startsWith("unix://")) {
            return new DomainSocketAddress(absolutePath(address.substring("unix://".length())));
        }
        if (address.startsWith("vsock://")) {
            String cidAndPort = address.substring("vsock://".length());
            int colon = cidAndPort.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("vsock address needs CID:PORT");
            }
            return new VSockAddress(
                    unsigned(cidAndPort.substring(0, colon), "CID"),
                    unsigned(cidAndPort.substring(colon + 1), "port"));
        }
        if (address.startsWith("hvsock://")) {
            String pathAndPort = address.substring("hvsock://".length());
            int colon = pathAndPort.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("hybrid vsock address needs /socket/path:PORT");
            }
            return new HybridVSockAddress(
                    Path.of(absolutePath(pathAndPort.substring(0, colon))),
                    unsigned(pathAndPort.substring(colon + 1), "port"));
        }
        if (address.startsWith("/")) {
            return new DomainSocketAddress(address);
        }
        throw new IllegalArgumentException(
                "unknown scheme (expected unix://, vsock://, hvsock:// or an absolute path)");
    }

    private static String absolutePath(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("socket path '" + path + "' is not absolute");
        }
        if (path.length() == 1) {
            throw new IllegalArgumentException("socket path is empty");
        }
        return path;
    }

    private static int unsigned(String text, String what) {
        try {
            return Integer.parseUnsignedInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    what + " '" + text + "' is not an unsigned 32-bit number");
        }
    }

    @Override
    public String toString() {
        String prefix =
                switch (protocol) {
                    case TTRPC -> "ttrpc+";
                    case GRPC -> "grpc+";
                    case UNSPECIFIED -> "";
                };
        return prefix
                + switch (address) {
                    // containerd 2.1 accepts gRPC task addresses only as a bare path.
                    case DomainSocketAddress unix when protocol == Protocol.GRPC -> unix.path();
                    case DomainSocketAddress unix -> "unix://" + unix.path();
                    case VSockAddress vsock ->
                            "vsock://"
                                    + Integer.toUnsignedString(vsock.getCid())
                                    + ":"
                                    + Integer.toUnsignedString(vsock.getPort());
                    case HybridVSockAddress hybrid -> hybrid.toString();
                    default -> throw new IllegalStateException("unreachable: " + address);
                };
    }
}
