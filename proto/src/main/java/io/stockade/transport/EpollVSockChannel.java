package io.stockade.transport;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.EpollChannelConfig;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.epoll.VSockAddress;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * An AF_VSOCK stream connection on Netty's epoll transport: either accepted by an {@link
 * EpollServerVSockChannel} or created by {@code
 * Bootstrap.channel(EpollVSockChannel.class).connect(new VSockAddress(cid, port))}.
 *
 * <p>Half-closure is not supported (Netty only honours it for its own socket configs): end-of-input
 * closes the channel.
 */
public final class EpollVSockChannel extends AbstractEpollStreamChannel {
    /**
     * {@code EPOLLOUT}: Netty's {@code Native} constant is package-private; the value is fixed by
     * the kernel ABI.
     */
    private static final int EPOLLOUT = 0x004;

    private final VSockChannelConfig config = new VSockChannelConfig(this);
    private volatile VSockAddress remote;
    private volatile VSockAddress local;

    /** Opens a new, unconnected AF_VSOCK stream socket (called reflectively by the bootstrap). */
    public EpollVSockChannel() {
        super(LinuxSocket.newVSockStream(), false);
    }

    EpollVSockChannel(Channel parent, LinuxSocket socket, VSockAddress remote) {
        super(parent, socket, remote);
        this.remote = remote;
        this.local = socket.localVSockAddress();
    }

    @Override
    public EpollChannelConfig config() {
        return config;
    }

    @Override
    public VSockAddress remoteAddress() {
        return remote;
    }

    @Override
    public VSockAddress localAddress() {
        VSockAddress known = local;
        if (known == null && isActive()) {
            // An asynchronous connect completes inside Netty, which records only Inet/Domain local
            // addresses.
            known = socket.localVSockAddress();
            local = known;
        }
        return known;
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        if (!(localAddress instanceof VSockAddress vsock)) {
            throw new IllegalArgumentException(
                    "a vsock socket binds only to a VSockAddress, got " + localAddress);
        }
        socket.bindVSock(vsock);
        local = socket.localVSockAddress();
    }

    @Override
    protected boolean doConnect(SocketAddress remoteAddress, SocketAddress localAddress)
            throws Exception {
        if (!(remoteAddress instanceof VSockAddress target)) {
            throw new IllegalArgumentException(
                    "a vsock socket connects only to a VSockAddress, got " + remoteAddress);
        }
        if (localAddress != null) {
            doBind(localAddress);
        }
        boolean connected;
        try {
            connected = socket.connectVSock(target);
        } catch (IOException e) {
            throw new IOException("vsock connect to " + target + " failed: " + e.getMessage(), e);
        }
        remote = target;
        if (connected) {
            local = socket.localVSockAddress();
        } else {
            setFlag(EPOLLOUT);
        }
        return connected;
    }
}
