package io.stockade.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.VSockAddress;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Bind and listen only: connecting AF_VSOCK on this machine would reach the real hypervisor. */
@ExtendWith(NettyLeakCheck.class)
class EpollServerVSockChannelTest {
    private final EventLoopGroup group = Transport.newEventLoopGroup(1, "vsock-test");

    @AfterEach
    void shutDown() {
        group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void bindsAndListensOnAnyCidWithAKernelChosenPort() {
        Channel listener =
                new ServerBootstrap()
                        .group(group)
                        .channel(EpollServerVSockChannel.class)
                        .option(ChannelOption.SO_BACKLOG, 16)
                        .childHandler(new ChannelInboundHandlerAdapter())
                        .bind(
                                new VSockAddress(
                                        VSockAddress.VMADDR_CID_ANY, VSockAddress.VMADDR_PORT_ANY))
                        .syncUninterruptibly()
                        .channel();
        try {
            assertTrue(listener.isActive());
            VSockAddress local = (VSockAddress) listener.localAddress();
            assertNotEquals(
                    VSockAddress.VMADDR_PORT_ANY, local.getPort(), "the kernel assigns a port");
            assertEquals(16, listener.config().getOption(ChannelOption.SO_BACKLOG));
        } finally {
            listener.close().syncUninterruptibly();
        }
    }
}
