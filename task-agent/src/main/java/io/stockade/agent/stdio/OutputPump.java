package io.stockade.agent.stdio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.Fd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies a process's output pipe to a host connection on its own thread. It reads the pipe only
 * while the connection is writable, so at most one chunk beyond Netty's high-water mark is ever
 * buffered; the rest waits in the pipe. At end of file it closes the connection (the host sees
 * EOF). If the host goes away first, the pipe is handed back for a later attach; only a chunk read
 * but not yet sent is lost then.
 */
final class OutputPump extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(OutputPump.class);
    private static final int CHUNK = 64 * 1024;

    private final Fd pipe;
    private final Channel channel;
    private final String name;
    private final Runnable onDone;
    private final Object monitor = new Object();
    private boolean stopping;

    OutputPump(Fd pipe, Channel channel, String name, Runnable onDone) {
        this.pipe = pipe;
        this.channel = channel;
        this.name = name;
        this.onDone = onDone;
    }

    void start() {
        channel.pipeline().addLast(this);
        Thread thread = new Thread(this::pump, "stdio " + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The stream is being closed: finish at EOF, but stop waiting for a host that does not read.
     */
    void stop() {
        synchronized (monitor) {
            stopping = true;
            monitor.notifyAll();
        }
    }

    private void pump() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(CHUNK);
            while (awaitWritable()) {
                int n = pipe.read(buffer);
                if (n == 0) {
                    channel.writeAndFlush(Unpooled.EMPTY_BUFFER)
                            .addListener(ChannelFutureListener.CLOSE);
                    log.debug("{}: end of output, connection closed", name);
                    return;
                }
                ByteBuf chunk = channel.alloc().buffer(n);
                chunk.writeBytes(buffer.asSlice(0, n).asByteBuffer());
                channel.writeAndFlush(chunk);
            }
            log.debug(
                    "{}: host connection gone or stream closed; pipe kept for a later attach",
                    name);
            channel.close();
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.EIO) {
                // A terminal master reads EIO once every process closed the terminal: its end of
                // output.
                channel.writeAndFlush(Unpooled.EMPTY_BUFFER)
                        .addListener(ChannelFutureListener.CLOSE);
                log.debug("{}: terminal closed, connection closed", name);
            } else {
                log.warn("{}: reading the pipe failed: {}", name, e.getMessage());
                channel.close();
            }
        } finally {
            onDone.run();
        }
    }

    private boolean awaitWritable() {
        synchronized (monitor) {
            while (channel.isActive() && !channel.isWritable() && !stopping) {
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return channel.isActive() && channel.isWritable();
        }
    }

    private void wake() {
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        wake();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        wake();
        ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Output connections carry nothing from the host; drop what a confused client sends.
        ReferenceCountUtil.release(msg);
    }
}
