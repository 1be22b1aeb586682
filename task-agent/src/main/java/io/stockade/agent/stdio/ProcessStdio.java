package io.stockade.agent.stdio;

import io.netty.channel.Channel;
import io.stockade.agent.posix.ChildStdio;
import io.stockade.agent.posix.Fd;
import io.stockade.agent.posix.Pipe;
import java.util.EnumMap;
import java.util.Map;

/**
 * The stdio pipes of one container or exec process. The child ends go to the OCI runtime (which hands them to the
 * process) and are closed here right after; the agent ends are served to the host through {@link StdioListener},
 * at most one connection per stream at a time. A stream that was not requested is {@code /dev/null} for the process
 * and cannot be attached.
 */
public final class ProcessStdio implements AutoCloseable {
  private final String label;
  private final Map<StdioStream, Slot> slots = new EnumMap<>(StdioStream.class);

  private static final class Slot {
    final Fd agentEnd;
    Fd childEnd;
    Object attachment;
    boolean closed;

    Slot(Fd agentEnd, Fd childEnd) {
      this.agentEnd = agentEnd;
      this.childEnd = childEnd;
    }
  }

  private ProcessStdio(String label) {
    this.label = label;
  }

  /**
   * Opens pipes for the requested streams. {@code label} names the process in errors and thread names, e.g.
   * "c1/exec1".
   */
  public static ProcessStdio open(String label, boolean stdin, boolean stdout, boolean stderr) {
    ProcessStdio stdio = new ProcessStdio(label);
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

  /** What the process gets as {@code stream}: its pipe end, or /dev/null when the stream was not requested. */
  public synchronized ChildStdio childEnd(StdioStream stream) {
    Slot slot = slots.get(stream);
    if (slot == null || slot.childEnd == null) {
      return new ChildStdio.File(java.nio.file.Path.of("/dev/null"));
    }
    return new ChildStdio.Descriptor(slot.childEnd);
  }

  /**
   * Closes the agent's copies of the child ends once the runtime has started the process, so that the process
   * exiting is what ends its output (EOF) and nobody but the process reads stdin.
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
   * Connects {@code channel} to {@code stream}: output is pumped to it, or its bytes are written to stdin.
   *
   * @throws IllegalStateException if the stream was not requested, is attached already, or is closed
   */
  synchronized void attach(StdioStream stream, Channel channel) {
    Slot slot = slots.get(stream);
    if (slot == null) {
      throw new IllegalStateException(stream.wireName() + " of " + label + " was not requested at create/exec");
    }
    if (slot.closed) {
      throw new IllegalStateException(stream.wireName() + " of " + label + " is closed");
    }
    if (slot.attachment != null) {
      throw new IllegalStateException(stream.wireName() + " of " + label + " is attached already");
    }
    if (stream == StdioStream.STDIN) {
      StdinSink sink = new StdinSink(slot.agentEnd, channel, label, () -> detached(StdioStream.STDIN));
      slot.attachment = sink;
      sink.start();
    } else {
      OutputPump pump = new OutputPump(slot.agentEnd, channel, label + " " + stream.wireName(),
          () -> detached(stream));
      slot.attachment = pump;
      pump.start();
    }
  }

  /** Called by a pump or sink when it gave its pipe end back: closes it now if the stream was closed meanwhile. */
  private synchronized void detached(StdioStream stream) {
    Slot slot = slots.get(stream);
    slot.attachment = null;
    if (slot.closed) {
      slot.agentEnd.close();
    }
  }

  /** CloseIO: the process sees EOF on stdin once bytes already accepted from the host are written. */
  public synchronized void closeStdin() {
    closeStream(StdioStream.STDIN);
  }

  private void closeStream(StdioStream stream) {
    Slot slot = slots.get(stream);
    if (slot == null || slot.closed) {
      return;
    }
    slot.closed = true;
    switch (slot.attachment) {
      case StdinSink sink -> sink.finish();
      case OutputPump pump -> pump.stop();
      case null -> slot.agentEnd.close();
      default -> throw new IllegalStateException("unreachable");
    }
  }

  /**
   * Releases every pipe. An attached output stream ends by itself when the process is gone (EOF); the pump then
   * closes its end.
   */
  @Override
  public synchronized void close() {
    for (StdioStream stream : StdioStream.values()) {
      closeStream(stream);
    }
    closeChildEnds();
  }
}
