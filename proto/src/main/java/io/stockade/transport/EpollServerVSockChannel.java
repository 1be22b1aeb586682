package io.stockade.transport;

import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollServerChannel;
import io.netty.channel.epoll.EpollChannelConfig;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.epoll.VSockAddress;

import java.net.SocketAddress;

/**
 * An AF_VSOCK listening channel on Netty's epoll transport. Netty ships {@link VSockAddress} and
 * the vsock socket calls on {@link LinuxSocket} but no channel classes; this is the server half
 * (see {@link EpollVSockChannel} for the connections it accepts). Use with {@code
 * ServerBootstrap.channel(EpollServerVSockChannel.class)} and bind to a {@link VSockAddress},
 * typically {@code new VSockAddress(VSockAddress.VMADDR_CID_ANY, port)}.
 */
public final class EpollServerVSockChannel extends AbstractEpollServerChannel {
    private final VSockChannelConfig config = new VSockChannelConfig(this);
    private volatile VSockAddress local;

    /** Opens a new, unbound AF_VSOCK stream socket (called reflectively by the bootstrap). */
    public EpollServerVSockChannel() {
        super(LinuxSocket.newVSockStream(), false);
    }

    @Override
    public EpollChannelConfig config() {
        return config;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        if (!(localAddress instanceof VSockAddress vsock)) {
            throw new IllegalArgumentException(
                    "a vsock listener binds only to a VSockAddress, got " + localAddress);
        }
        socket.bindVSock(vsock);
        socket.listen(config.backlog());
        local = socket.localVSockAddress();
        active = true;
    }

    @Override
    public VSockAddress localAddress() {
        return local;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    @Override
    protected Channel newChildChannel(int fd, byte[] remote, int offset, int length) {
        LinuxSocket accepted = LinuxSocket.newSocket(fd);
        return new EpollVSockChannel(this, accepted, accepted.remoteVSockAddress());
    }
}
