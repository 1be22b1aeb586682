package io.stockade.agent.stdio;

import io.netty.channel.Channel;
import io.stockade.agent.posix.ChildStdio;
import io.stockade.agent.posix.Fd;
import io.stockade.agent.posix.Pipe;
import io.stockade.agent.posix.Terminal;

import java.util.EnumMap;
import java.util.Map;

/**
 * The stdio pipes of one container or exec process. The child ends go to the OCI runtime (which
 * hands them to the process) and are closed here right after; the agent ends are served to the host
 * through {@link StdioListener}, at most one connection per stream at a time. A stream that was not
 * requested is {@code /dev/null} for the process and cannot be attached.
 */
public final class ProcessStdio implements AutoCloseable {
    private final String label;
    private final Map<StdioStream, Slot> slots = new EnumMap<>(StdioStream.class);

    private static final class Slot {
        /** Null for a terminal stream until the terminal exists. */
        Fd agentEnd;

        Fd childEnd;
        Object attachment;

        /** A host connection that attached before the terminal existed. */
        Channel waiting;

        boolean closed;

        Slot(Fd agentEnd, Fd childEnd) {
            this.agentEnd = agentEnd;
            this.childEnd = childEnd;
        }
    }

    /** The terminal master, kept for resizing; null for pipe stdio. */
    private Fd terminal;

    private final boolean terminalMode;

    private ProcessStdio(String label, boolean terminalMode) {
        this.label = label;
        this.terminalMode = terminalMode;
    }

    /**
     * Stdio through a pseudo-terminal, which the runtime creates when it starts the process: stdout
     * carries what the process writes to the terminal, stdin is typed into it, and there is no
     * separate stderr. Streams can be attached before the terminal exists; they start flowing once
     * {@link #provideTerminal} hands it over.
     */
    public static ProcessStdio forTerminal(String label, boolean stdin, boolean stdout) {
        ProcessStdio stdio = new ProcessStdio(label, true);
        if (stdin) {
            stdio.slots.put(StdioStream.STDIN, new Slot(null, null));
        }
        if (stdout) {
            stdio.slots.put(StdioStream.STDOUT, new Slot(null, null));
        }
        return stdio;
    }

    public boolean isTerminal() {
        return terminalMode;
    }

    /**
     * Takes ownership of the terminal master the runtime sent and connects the streams to it.
     *
     * @throws IllegalStateException if this is not terminal stdio or it already has its terminal
     */
    public synchronized void provideTerminal(Fd master) {
        if (!terminalMode || terminal != null) {
            master.close();
            throw new IllegalStateException(
                    label + ": " + (terminalMode ? "already has a terminal" : "uses pipes"));
        }
        terminal = master;
        for (Map.Entry<StdioStream, Slot> entry : slots.entrySet()) {
            Slot slot = entry.getValue();
            if (slot.closed) {
                continue;
            }
            slot.agentEnd =
                    master.duplicate(entry.getKey().wireName() + " of " + label + " (terminal)");
            if (slot.waiting != null) {
                Channel channel = slot.waiting;
                slot.waiting = null;
                start(entry.getKey(), slot, channel);
            }
        }
    }

    /**
     * Sets the terminal's window size.
     *
     * @throws IllegalStateException if the process has no terminal (yet)
     */
    public synchronized void resize(int columns, int rows) {
        if (terminal == null || terminal.isClosed()) {
            throw new IllegalStateException(
                    label
                            + (terminalMode
                                    ? " has no terminal yet (not started)"
                                    : " was not started with a terminal"));
        }
        Terminal.resize(terminal, columns, rows);
    }

    /**
     * Opens pipes for the requested streams. {@code label} names the process in errors and thread
     * names, e.g. "c1/exec1".
     */
    public static ProcessStdio open(String label, boolean stdin, boolean stdout, boolean stderr) {
        ProcessStdio stdio = new ProcessStdio(label, false);
        try {
            if (stdin) {
                Pipe pipe = Pipe.open("stdin of " + label);
                stdio.slots.put(StdioStream.STDIN, new Slot(pipe.writeEnd(), pipe.readEnd()));
            }
            if (stdout) {
                Pipe pipe = Pipe.open("stdout of " + label);
                stdio.slots.put(StdioStream.STDOUT, new Slot(pipe.readEnd(), pipe.writeEnd()));
            }
            if (stderr) {
                Pipe pipe = Pipe.open("stderr of " + label);
                stdio.slots.put(StdioStream.STDERR, new Slot(pipe.readEnd(), pipe.writeEnd()));
            }
            return stdio;
        } catch (RuntimeException e) {
            stdio.close();
            throw e;
        }
    }

    public String label() {
        return label;
    }

    /**
     * What the process gets as {@code stream}: its pipe end, or /dev/null when the stream was not
     * requested.
     */
    public synchronized ChildStdio childEnd(StdioStream stream) {
        Slot slot = slots.get(stream);
        if (slot == null || slot.childEnd == null) {
            return new ChildStdio.File(java.nio.file.Path.of("/dev/null"));
        }
        return new ChildStdio.Descriptor(slot.childEnd);
    }

    /**
     * Closes the agent's copies of the child ends once the runtime has started the process, so that
     * the process exiting is what ends its output (EOF) and nobody but the process reads stdin.
     */
    public synchronized void closeChildEnds() {
        for (Slot slot : slots.values()) {
            if (slot.childEnd != null) {
                slot.childEnd.close();
                slot.childEnd = null;
            }
        }
    }

    /**
     * Connects {@code channel} to {@code stream}: output is pumped to it, or its bytes are written
     * to stdin.
     *
     * @throws IllegalStateException if the stream was not requested, is attached already, or is
     *     closed
     */
    synchronized void attach(StdioStream stream, Channel channel) {
        Slot slot = slots.get(stream);
        if (slot == null) {
            throw new IllegalStateException(
                    stream.wireName() + " of " + label + " was not requested at create/exec");
        }
        if (slot.closed) {
            throw new IllegalStateException(stream.wireName() + " of " + label + " is closed");
        }
        if (slot.attachment != null || slot.waiting != null) {
            throw new IllegalStateException(
                    stream.wireName() + " of " + label + " is attached already");
        }
        if (slot.agentEnd == null) {
            slot.waiting = channel;
            return;
        }
        start(stream, slot, channel);
    }

    private void start(StdioStream stream, Slot slot, Channel channel) {
        if (stream == StdioStream.STDIN) {
            StdinSink sink =
                    new StdinSink(slot.agentEnd, channel, label, () -> detached(StdioStream.STDIN));
            slot.attachment = sink;
            sink.start();
        } else {
            OutputPump pump =
                    new OutputPump(
                            slot.agentEnd,
                            channel,
                            label + " " + stream.wireName(),
                            () -> detached(stream));
            slot.attachment = pump;
            pump.start();
        }
    }

    /**
     * Called by a pump or sink when it gave its pipe end back: closes it now if the stream was
     * closed meanwhile.
     */
    private synchronized void detached(StdioStream stream) {
        Slot slot = slots.get(stream);
        slot.attachment = null;
        if (slot.closed) {
            slot.agentEnd.close();
        }
    }

    /**
     * CloseIO: the process sees EOF on stdin once bytes already accepted from the host are written.
     */
    public synchronized void closeStdin() {
        closeStream(StdioStream.STDIN);
    }

    private void closeStream(StdioStream stream) {
        Slot slot = slots.get(stream);
        if (slot == null || slot.closed) {
            return;
        }
        slot.closed = true;
        if (slot.waiting != null) {
            slot.waiting.close();
            slot.waiting = null;
        }
        switch (slot.attachment) {
            case StdinSink sink -> sink.finish();
            case OutputPump pump -> pump.stop();
            case null -> {
                if (slot.agentEnd != null) {
                    slot.agentEnd.close();
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
    }

    /**
     * Releases every pipe. An attached output stream ends by itself when the process is gone (EOF);
     * the pump then closes its end.
     */
    @Override
    public synchronized void close() {
        for (StdioStream stream : StdioStream.values()) {
            closeStream(stream);
        }
        closeChildEnds();
        if (terminal != null) {
            terminal.close();
        }
    }
}
