package io.stockade.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.VSockAddress;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.net.SocketAddress;

/**
 * The socket families Stockade speaks over, all on Netty's epoll transport, and the channel classes
 * that go with a {@link SocketAddress}: {@link DomainSocketAddress} (unix), {@link VSockAddress}
 * (AF_VSOCK) and {@link HybridVSockAddress} (a unix socket plus the {@code CONNECT} preamble;
 * client side only).
 */
public enum Transport {
    UNIX,
    VSOCK,
    HYBRID_VSOCK;

    /**
     * The transport that reaches {@code address}; IllegalArgumentException for address types we
     * cannot speak.
     */
    public static Transport of(SocketAddress address) {
        return switch (address) {
            case DomainSocketAddress ignored -> UNIX;
            case VSockAddress ignored -> VSOCK;
            case HybridVSockAddress ignored -> HYBRID_VSOCK;
            case null -> throw new IllegalArgumentException("no socket address given");
            default ->
                    throw new IllegalArgumentException(
                            "no transport for "
                                    + address.getClass().getName()
                                    + " "
                                    + address
                                    + " (expected a unix DomainSocketAddress, a VSockAddress or a HybridVSockAddress)");
        };
    }

    /** The connecting channel class for this transport. */
    public Class<? extends Channel> channelType() {
        return this == VSOCK ? EpollVSockChannel.class : EpollDomainSocketChannel.class;
    }

    /** The listening channel class; hybrid vsock has none (the VMM owns that socket). */
    public Class<? extends ServerChannel> serverChannelType() {
        return switch (this) {
            case UNIX -> EpollServerDomainSocketChannel.class;
            case VSOCK -> EpollServerVSockChannel.class;
            case HYBRID_VSOCK ->
                    throw new UnsupportedOperationException(
                            "hybrid vsock is client-only: listen on a VSockAddress inside the guest instead");
        };
    }

    /**
     * Connects {@code bootstrap} (group and handler already set) to {@code address}, choosing the
     * channel class. The future completes once the channel is ready for protocol bytes: for hybrid
     * vsock that is after the VMM said OK.
     */
    public static Future<Channel> connect(Bootstrap bootstrap, SocketAddress address) {
        Transport transport = of(address);
        SocketAddress socketAddress =
                address instanceof HybridVSockAddress hybrid
                        ? new DomainSocketAddress(hybrid.socketPath().toString())
                        : address;
        ChannelFuture connected =
                bootstrap.clone().channel(transport.channelType()).connect(socketAddress);
        Promise<Channel> ready = connected.channel().eventLoop().newPromise();
        connected.addListener(
                (ChannelFuture f) -> {
                    if (!f.isSuccess()) {
                        ready.tryFailure(f.cause());
                    } else if (address instanceof HybridVSockAddress hybrid) {
                        f.channel().pipeline().addFirst(new HybridVSockHandshake(hybrid, ready));
                    } else {
                        ready.trySuccess(f.channel());
                    }
                });
        return ready;
    }

    /** An epoll event loop group of {@code threads} daemon threads named {@code <name>-<n>-<m>}. */
    public static EventLoopGroup newEventLoopGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory(name, true), EpollIoHandler.newFactory());
    }
}
