package io.stockade.hypervisor.devices.legacy;

import static io.stockade.hypervisor.devices.legacy.Serial8250.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class Serial8250Test {

    /** Remembers what was flushed separately from what was merely written. */
    static final class FlushTrackingSink extends OutputStream {
        final ByteArrayOutputStream written = new ByteArrayOutputStream();
        String flushed = "";

        @Override
        public void write(int b) {
            written.write(b);
        }

        @Override
        public void flush() {
            flushed = written.toString(StandardCharsets.UTF_8);
        }
    }

    private final FlushTrackingSink sink = new FlushTrackingSink();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final Serial8250 uart = new Serial8250(sink, interrupts::incrementAndGet);

    private int in(int offset) {
        byte[] data = new byte[1];
        uart.read(offset, data);
        return data[0] & 0xff;
    }

    private void out(int offset, int value) {
        uart.write(offset, new byte[] {(byte) value});
    }

    @Test
    void resetStateIsAnIdle8N1UartWithAnEmptyTransmitter() {
        assertEquals(0x03, in(LCR));
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals(IIR_NONE, in(IIR_FCR));
        assertEquals(0, in(IER));
        assertEquals(MSR_DCD | MSR_DSR | MSR_CTS, in(MSR));
    }

    @Test
    void transmittedBytesReachTheSinkAndAreFlushedAtEachNewline() {
        for (byte b : "boot\nok".getBytes(StandardCharsets.US_ASCII)) {
            out(DATA, b);
        }
        assertEquals("boot\nok", sink.written.toString(StandardCharsets.UTF_8));
        assertEquals("boot\n", sink.flushed, "a partial line stays buffered until the next newline");

        uart.flush();
        assertEquals("boot\nok", sink.flushed);
    }

    @Test
    void dlabSwitchesOffsetsZeroAndOneToTheDivisorLatch() {
        out(LCR, 0x83);
        out(DATA, 0x01);
        out(IER, 0x00);
        assertEquals(0x01, in(DATA));
        assertEquals(0x00, in(IER));
        assertEquals(0, sink.written.size(), "divisor writes are not transmitted");

        out(LCR, 0x03);
        out(IER, 0x05);
        assertEquals(0x05, in(IER));
        out(LCR, 0x83);
        assertEquals(0x01, in(DATA), "the divisor survives while DLAB is off");
    }

    @Test
    void interruptEnableKeepsOnlyTheFourDefinedBits() {
        out(IER, 0xff);
        assertEquals(IER_VALID, in(IER));
    }

    @Test
    void scratchRegisterHoldsAByte() {
        out(SCR, 0xa5);
        assertEquals(0xa5, in(SCR));
    }

    @Test
    void fifoControlShowsInTheTopBitsOfIirAsLinuxExpectsOfA16550A() {
        out(IIR_FCR, FCR_ENABLE);
        assertEquals(0xc0 | IIR_NONE, in(IIR_FCR));
        out(IIR_FCR, 0);
        assertEquals(IIR_NONE, in(IIR_FCR));
    }

    @Test
    void receivedBytesSetDataReadyAndAreReadInOrder() {
        assertEquals(2, uart.receive(new byte[] {'h', 'i'}));
        assertEquals(LSR_DR | LSR_THRE | LSR_TEMT, in(LSR));
        assertEquals('h', in(DATA));
        assertEquals('i', in(DATA));
        assertEquals(LSR_THRE | LSR_TEMT, in(LSR));
    }

    @Test
    void receiveAcceptsOnlyWhatFitsInTheFifo() {
        assertEquals(RX_FIFO_SIZE, uart.receive(new byte[RX_FIFO_SIZE + 10]));
        assertEquals(0, uart.receive(new byte[] {1}));
        in(DATA);
        assertEquals(1, uart.receive(new byte[] {1, 2}));
    }

    @Test
    void dataReadyInterruptFiresOnlyWhenEnabledAndTakesPriorityOverThrEmpty() {
        uart.receive(new byte[] {'x'});
        assertEquals(0, interrupts.get(), "receive interrupt not enabled yet");

        out(IER, IER_RDA | IER_THRE);
        assertEquals(1, interrupts.get(), "enabling with data waiting raises the line");
        assertEquals(IIR_RDA, in(IIR_FCR));
        in(DATA);
        assertEquals(IIR_THRE, in(IIR_FCR), "THR-empty is next once the data was read");
        assertEquals(IIR_NONE, in(IIR_FCR), "reading IIR acknowledged THR-empty");
    }

    @Test
    void thrEmptyInterruptFollowsEveryTransmitWhenEnabled() {
        out(IER, IER_THRE);
        assertEquals(1, interrupts.get(), "enabling THRE with an empty transmitter interrupts at once");
        assertEquals(IIR_THRE, in(IIR_FCR));

        out(DATA, 'a');
        assertEquals(2, interrupts.get());
        out(DATA, 'b');
        assertEquals(2, interrupts.get(), "the line is still up: no new edge until it was acknowledged");
        assertEquals(IIR_THRE, in(IIR_FCR));
        out(DATA, 'c');
        assertEquals(3, interrupts.get());
    }

    @Test
    void noInterruptsWhileDisabled() {
        out(DATA, 'a');
        uart.receive(new byte[] {'b'});
        assertEquals(0, interrupts.get());
        assertEquals(IIR_NONE, in(IIR_FCR));
    }

    @Test
    void loopbackFeedsTransmitIntoReceiveAndModemControlIntoModemStatus() {
        out(MCR, MCR_LOOP | MCR_RTS | MCR_OUT2);
        assertEquals(MSR_CTS | MSR_DCD, in(MSR), "Linux's probe expects 0x90 for MCR = LOOP|RTS|OUT2");
        out(MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
        assertEquals(MSR_DSR | MSR_RI, in(MSR));

        out(DATA, 0x5a);
        assertEquals(0, sink.written.size(), "loopback bytes never leave the UART");
        assertEquals(0x5a, in(DATA));
    }

    @Test
    void aFailingSinkDropsOutputWithoutBreakingTheUart() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("disk full");
            }
        };
        Serial8250 failing = new Serial8250(broken, () -> { });
        failing.write(DATA, new byte[] {'x'});
        failing.write(DATA, new byte[] {'y'});
        byte[] lsr = new byte[1];
        failing.read(LSR, lsr);
        assertTrue((lsr[0] & LSR_THRE) != 0);
    }
}
