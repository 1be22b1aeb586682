package io.stockade.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.VSockAddress;
import io.netty.channel.unix.DomainSocketAddress;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.file.Path;

class TransportTest {
    @Test
    void unixAddressesUseEpollDomainSockets() {
        Transport unix = Transport.of(new DomainSocketAddress("/tmp/x.sock"));
        assertEquals(Transport.UNIX, unix);
        assertEquals(EpollDomainSocketChannel.class, unix.channelType());
        assertEquals(EpollServerDomainSocketChannel.class, unix.serverChannelType());
    }

    @Test
    void vsockAddressesUseOurVsockChannels() {
        Transport vsock = Transport.of(new VSockAddress(3, 1024));
        assertEquals(Transport.VSOCK, vsock);
        assertEquals(EpollVSockChannel.class, vsock.channelType());
        assertEquals(EpollServerVSockChannel.class, vsock.serverChannelType());
    }

    @Test
    void hybridVsockConnectsOverUnixAndCannotListen() {
        Transport hybrid = Transport.of(new HybridVSockAddress(Path.of("/run/vsock.sock"), 1024));
        assertEquals(EpollDomainSocketChannel.class, hybrid.channelType());
        assertThrows(UnsupportedOperationException.class, hybrid::serverChannelType);
    }

    @Test
    void otherAddressTypesAreRejectedByName() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Transport.of(new InetSocketAddress("127.0.0.1", 80)));
        assertTrue(e.getMessage().contains("InetSocketAddress"), e.getMessage());
    }
}
