package io.stockade.agent.stdio;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.Fd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes a host connection's bytes into a process's stdin pipe on its own thread. The connection is
 * read only after everything read before has been written (auto-read off), so a process that does
 * not read stdin stops the host instead of filling agent memory. When the host closes the
 * connection, the pipe is closed: the process sees EOF.
 */
final class StdinSink extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StdinSink.class);

    private final Fd pipe;
    private final Channel channel;
    private final String name;
    private final Runnable onDone;
    private final ExecutorService writer;
    private boolean finished;
    private boolean failed;

    StdinSink(Fd pipe, Channel channel, String label, Runnable onDone) {
        this.pipe = pipe;
        this.channel = channel;
        this.name = "stdin of " + label;
        this.onDone = onDone;
        this.writer =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread thread = new Thread(r, "stdio " + name);
                            thread.setDaemon(true);
                            return thread;
                        });
    }

    void start() {
        channel.config().setAutoRead(false);
        channel.pipeline().addLast(this);
        channel.read();
    }

    /** Closes the pipe after the bytes already accepted are written, and stops reading the host. */
    synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        writer.execute(
                () -> {
                    pipe.close();
                    channel.close();
                    onDone.run();
                });
        writer.shutdown();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!submit(() -> write(bytes))) {
            bytes.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        submit(channel::read);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
        ctx.fireChannelInactive();
    }

    private synchronized boolean submit(Runnable task) {
        if (finished) {
            return false;
        }
        writer.execute(task);
        return true;
    }

    private void write(ByteBuf bytes) {
        try (Arena arena = Arena.ofConfined()) {
            if (failed) {
                return;
            }
            MemorySegment data = arena.allocate(Math.max(1, bytes.readableBytes()));
            data.asByteBuffer().put(bytes.nioBuffer());
            pipe.writeFully(data.asSlice(0, bytes.readableBytes()));
        } catch (ErrnoException e) {
            failed = true;
            log.debug(
                    "{}: process no longer reads stdin ({}); closing the host connection",
                    name,
                    e.getMessage());
            channel.close();
        } finally {
            bytes.release();
        }
    }
}
