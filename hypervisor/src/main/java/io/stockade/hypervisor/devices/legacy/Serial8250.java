package io.stockade.hypervisor.devices.legacy;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.bus.BusDevice;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A 16550A UART (the guest's {@code ttyS0}): eight byte-wide registers at offsets 0–7.
 *
 * <p>Transmitted bytes go straight to a host sink, flushed at every newline so the console log can be
 * read while the VM runs; the transmitter is therefore always empty (LSR THRE and TEMT stay set).
 * Received bytes come from the host through {@link #receive(byte[])} into a 64-byte FIFO. The interrupt
 * output follows the 16550 priority scheme (receive data over THR-empty) gated by IER, and
 * {@link Interrupt#trigger()} is called when it rises, which is what an edge-triggered ISA IRQ needs.
 * Baud divisor, line control, modem control, scratch and loopback (MCR bit 4: TX feeds RX, MCR outputs
 * feed MSR inputs) behave as on the chip so that Linux's 8250 probe identifies a 16550A.
 */
public final class Serial8250 implements BusDevice {

    private static final Logger log = LoggerFactory.getLogger(Serial8250.class);

    /** Number of port addresses the UART decodes. */
    public static final int REGISTER_COUNT = 8;
    /** Capacity of the receive FIFO; {@link #receive} accepts at most what fits. */
    public static final int RX_FIFO_SIZE = 64;

    // Register offsets (DLAB = LCR bit 7 switches offsets 0 and 1 to the divisor latch).
    static final int DATA = 0;      // RBR (read) / THR (write) / DLL
    static final int IER = 1;       // interrupt enable / DLM
    static final int IIR_FCR = 2;   // IIR (read) / FCR (write)
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RDA = 0x01;
    static final int IER_THRE = 0x02;
    static final int IER_VALID = 0x0f;

    static final int IIR_NONE = 0x01;
    static final int IIR_THRE = 0x02;
    static final int IIR_RDA = 0x04;
    static final int IIR_FIFO_ENABLED = 0xc0;

    static final int FCR_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;
    static final int MCR_VALID = 0x1f;

    static final int LSR_DR = 0x01;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;

    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;

    private final OutputStream sink;
    private final Interrupt interrupt;
    private final ArrayDeque<Byte> rxFifo = new ArrayDeque<>(RX_FIFO_SIZE);

    // Guarded by this.
    private int divisorLow = 0x0c; // 9600 baud, the firmware default
    private int divisorHigh;
    private int ier;
    private int lcr = 0x03; // 8N1
    private int mcr = MCR_OUT2;
    private int scratch;
    private boolean fifoEnabled;
    private boolean thrEmptyPending;
    private boolean interruptLine;
    private boolean sinkFailed;

    /**
     * @param sink where transmitted bytes go (flushed per line); its failures are logged once and then ignored
     * @param interrupt the UART's IRQ (COM1 is IRQ 4)
     */
    public Serial8250(OutputStream sink, Interrupt interrupt) {
        this.sink = sink;
        this.interrupt = interrupt;
    }

    @Override
    public synchronized void read(long offset, byte[] data) {
        if (data.length == 0) {
            return;
        }
        data[0] = (byte) readRegister(offset);
        for (int i = 1; i < data.length; i++) {
            data[i] = 0; // the UART has an 8-bit data bus
        }
        updateInterrupt();
    }

    @Override
    public synchronized void write(long offset, byte[] data) {
        if (data.length == 0) {
            return;
        }
        writeRegister(offset, data[0] & 0xff);
        updateInterrupt();
    }

    /**
     * Queues bytes typed on the host into the receive FIFO and raises the data-ready interrupt if enabled.
     *
     * @return how many leading bytes of {@code input} fit (the caller retries the rest later)
     */
    public synchronized int receive(byte[] input) {
        int accepted = Math.min(input.length, RX_FIFO_SIZE - rxFifo.size());
        for (int i = 0; i < accepted; i++) {
            rxFifo.addLast(input[i]);
        }
        updateInterrupt();
        return accepted;
    }

    /** Pushes buffered console output to the sink, e.g. a prompt without a trailing newline. */
    public synchronized void flush() {
        try {
            sink.flush();
        } catch (IOException e) {
            sinkFailure(e);
        }
    }

    private boolean dlab() {
        return (lcr & LCR_DLAB) != 0;
    }

    private boolean loopback() {
        return (mcr & MCR_LOOP) != 0;
    }

    private int readRegister(long offset) {
        return switch ((int) offset) {
            case DATA -> dlab() ? divisorLow : receiveByte();
            case IER -> dlab() ? divisorHigh : ier;
            case IIR_FCR -> readIir();
            case LCR -> lcr;
            case MCR -> mcr;
            case LSR -> (rxFifo.isEmpty() ? 0 : LSR_DR) | LSR_THRE | LSR_TEMT;
            case MSR -> loopback() ? loopbackModemStatus() : MSR_DCD | MSR_DSR | MSR_CTS;
            case SCR -> scratch;
            default -> 0xff;
        };
    }

    private int receiveByte() {
        Byte b = rxFifo.pollFirst();
        return b == null ? 0 : b & 0xff;
    }

    private int readIir() {
        int id = pendingInterrupt();
        if (id == IIR_THRE) {
            thrEmptyPending = false; // reading IIR acknowledges a THR-empty interrupt
        }
        return id | (fifoEnabled ? IIR_FIFO_ENABLED : 0);
    }

    /** The highest-priority enabled interrupt condition, as IIR encodes it. */
    private int pendingInterrupt() {
        if ((ier & IER_RDA) != 0 && !rxFifo.isEmpty()) {
            return IIR_RDA;
        }
        if ((ier & IER_THRE) != 0 && thrEmptyPending) {
            return IIR_THRE;
        }
        return IIR_NONE;
    }

    private int loopbackModemStatus() {
        int msr = 0;
        if ((mcr & MCR_DTR) != 0) {
            msr |= MSR_DSR;
        }
        if ((mcr & MCR_RTS) != 0) {
            msr |= MSR_CTS;
        }
        if ((mcr & MCR_OUT1) != 0) {
            msr |= MSR_RI;
        }
        if ((mcr & MCR_OUT2) != 0) {
            msr |= MSR_DCD;
        }
        return msr;
    }

    private void writeRegister(long offset, int value) {
        switch ((int) offset) {
            case DATA -> {
                if (dlab()) {
                    divisorLow = value;
                } else {
                    transmit(value);
                }
            }
            case IER -> {
                if (dlab()) {
                    divisorHigh = value;
                } else {
                    int enabled = value & IER_VALID;
                    if ((enabled & IER_THRE) != 0 && (ier & IER_THRE) == 0) {
                        thrEmptyPending = true; // the 16550 signals an already-empty THR as soon as THRE is enabled
                    }
                    ier = enabled;
                }
            }
            case IIR_FCR -> {
                fifoEnabled = (value & FCR_ENABLE) != 0;
                if ((value & FCR_CLEAR_RX) != 0) {
                    rxFifo.clear();
                }
            }
            case LCR -> lcr = value;
            case MCR -> mcr = value & MCR_VALID;
            case SCR -> scratch = value;
            default -> { } // LSR and MSR are read-only
        }
    }

    private void transmit(int value) {
        if (loopback()) {
            if (rxFifo.size() < RX_FIFO_SIZE) {
                rxFifo.addLast((byte) value);
            }
        } else if (!sinkFailed) {
            try {
                sink.write(value);
                if (value == '\n') {
                    sink.flush();
                }
            } catch (IOException e) {
                sinkFailure(e);
            }
        }
        thrEmptyPending = true; // the byte left at once: THR is empty again
    }

    private void sinkFailure(IOException e) {
        if (!sinkFailed) {
            sinkFailed = true;
            log.warn("serial console output failed, further guest output is dropped: {}", e.toString());
        }
    }

    private void updateInterrupt() {
        boolean line = pendingInterrupt() != IIR_NONE;
        if (line && !interruptLine) {
            interrupt.trigger();
        }
        interruptLine = line;
    }
}
