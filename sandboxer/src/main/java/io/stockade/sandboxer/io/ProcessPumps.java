package io.stockade.sandboxer.io;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stdio pumps of one container or exec process, one thread per requested stream. Opening a FIFO
 * blocks until its other end is open (CRI opens its ends before Create), so opening happens on the
 * pump thread and never holds up a Task call. {@link #close} lets output pumps finish on their own
 * for a moment (the process has normally exited by then and the agent is sending its last bytes),
 * then cuts everything, including pumps still blocked in open(2).
 */
public final class ProcessPumps implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProcessPumps.class);
    private static final int BUFFER = 64 * 1024;

    private final String label;
    private final List<Pump> pumps = new ArrayList<>();

    private ProcessPumps(String label) {
        this.label = label;
    }

    /**
     * Starts a pump for every stream {@code paths} requests.
     *
     * @param label names the process in logs and thread names, e.g. "pod1/c1" or "pod1/c1 exec e1"
     */
    public static ProcessPumps start(
            String label, String containerId, String execId, StdioPaths paths, AgentStdio agent) {
        ProcessPumps pumps = new ProcessPumps(label);
        for (Map.Entry<StdioStream, String> entry : paths.requested().entrySet()) {
            Pump pump =
                    new Pump(
                            label,
                            containerId,
                            execId,
                            entry.getKey(),
                            Path.of(entry.getValue()),
                            agent);
            pumps.pumps.add(pump);
            pump.thread.start();
        }
        return pumps;
    }

    /** Waits up to {@code grace} for the output pumps to reach EOF, then stops every pump. */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        for (Pump pump : pumps) {
            if (pump.stream != StdioStream.STDIN) {
                long left = Math.max(0, deadline - System.nanoTime());
                try {
                    pump.thread.join(Duration.ofNanos(left));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (Pump pump : pumps) {
            pump.stop();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }

    /** Whether every pump has finished. */
    public boolean isDone() {
        return pumps.stream().noneMatch(p -> p.thread.isAlive());
    }

    @Override
    public String toString() {
        return "ProcessPumps[" + label + "]";
    }

    private static final class Pump implements Runnable {
        private final String label;
        private final String containerId;
        private final String execId;
        private final StdioStream stream;
        private final Path fifo;
        private final AgentStdio agent;
        private final Thread thread;
        private volatile boolean stopped;
        private volatile FileChannel fifoChannel;
        private volatile ByteChannel agentChannel;

        Pump(
                String label,
                String containerId,
                String execId,
                StdioStream stream,
                Path fifo,
                AgentStdio agent) {
            this.label = label;
            this.containerId = containerId;
            this.execId = execId;
            this.stream = stream;
            this.fifo = fifo;
            this.agent = agent;
            this.thread =
                    Thread.ofPlatform()
                            .daemon()
                            .name("stdio " + label + " " + stream.wireName())
                            .unstarted(this);
        }

        @Override
        public void run() {
            try {
                agentChannel = agent.open(containerId, execId, stream);
                fifoChannel =
                        FileChannel.open(
                                fifo,
                                stream == StdioStream.STDIN
                                        ? StandardOpenOption.READ
                                        : StandardOpenOption.WRITE);
                if (stopped) {
                    return;
                }
                if (stream == StdioStream.STDIN) {
                    copy(fifoChannel, agentChannel);
                    if (agentChannel instanceof SocketChannel socket && socket.isOpen()) {
                        socket.shutdownOutput();
                    }
                } else {
                    copy(agentChannel, fifoChannel);
                }
                log.debug("{} {}: end of stream", label, stream.wireName());
            } catch (IOException e) {
                if (!stopped) {
                    log.warn("{} {} (host {}): {}", label, stream.wireName(), fifo, e.toString());
                }
            } finally {
                closeQuietly(fifoChannel);
                closeQuietly(agentChannel);
            }
        }

        private void copy(ByteChannel from, ByteChannel to) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
            boolean sinkGone = false;
            while (from.read(buffer) >= 0) {
                buffer.flip();
                try {
                    while (!sinkGone && buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                } catch (IOException e) {
                    // The reader went away (EPIPE): keep draining so the process never blocks on a
                    // full pipe.
                    log.info(
                            "{} {}: host side closed ({}); discarding the rest",
                            label,
                            stream.wireName(),
                            e.toString());
                    sinkGone = true;
                }
                buffer.clear();
            }
        }

        void stop() {
            stopped = true;
            if (!thread.isAlive()) {
                return;
            }
            closeQuietly(agentChannel);
            closeQuietly(fifoChannel);
            if (fifoChannel == null) {
                unblockOpen();
            }
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                log.warn("{} {}: pump thread did not stop", label, stream.wireName());
            }
        }

        /**
         * A thread blocked opening a FIFO returns once the other side opens it; O_RDWR never blocks
         * on Linux.
         */
        private void unblockOpen() {
            try (RandomAccessFile other = new RandomAccessFile(fifo.toFile(), "rw")) {
                thread.join(Duration.ofMillis(500));
            } catch (IOException | InterruptedException e) {
                log.debug(
                        "{} {}: cannot unblock open of {}: {}",
                        label,
                        stream.wireName(),
                        fifo,
                        e.toString());
            }
        }

        private static void closeQuietly(java.nio.channels.Channel channel) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing is best effort; the pump reports its own errors
                }
            }
        }
    }
}
