package io.stockade.hypervisor.devices.legacy;

import static io.stockade.hypervisor.devices.legacy.I8042.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {

    private final AtomicInteger resets = new AtomicInteger();
    private final AtomicInteger keyboardInterrupts = new AtomicInteger();
    private final I8042 controller = new I8042(resets::incrementAndGet, keyboardInterrupts::incrementAndGet);

    private int in(int offset) {
        byte[] data = new byte[1];
        controller.read(offset, data);
        return data[0] & 0xff;
    }

    private void out(int offset, int value) {
        controller.write(offset, new byte[] {(byte) value});
    }

    @Test
    void idleStatusHasTheSystemFlagAndBothBuffersEmpty() {
        int status = in(STATUS_COMMAND);
        assertEquals(STATUS_SYSTEM_FLAG | STATUS_KEYBOARD_UNLOCKED, status);
        assertEquals(0, status & 0x02, "input buffer never full, so the guest may always send a command");
    }

    @Test
    void pulseResetCommandCallsTheResetCallback() {
        out(STATUS_COMMAND, CMD_PULSE_RESET);
        assertEquals(1, resets.get());
    }

    @Test
    void writingTheOutputPortWithResetLineLowAlsoResets() {
        out(STATUS_COMMAND, CMD_WRITE_OUTPUT_PORT);
        out(DATA, 0x03);
        assertEquals(0, resets.get());
        out(STATUS_COMMAND, CMD_WRITE_OUTPUT_PORT);
        out(DATA, 0x02);
        assertEquals(1, resets.get());
    }

    @Test
    void selfTestAnswers0x55ThroughTheOutputBuffer() {
        out(STATUS_COMMAND, CMD_SELF_TEST);
        assertEquals(STATUS_OUTPUT_FULL, in(STATUS_COMMAND) & STATUS_OUTPUT_FULL);
        assertEquals(SELF_TEST_PASSED, in(DATA));
        assertEquals(0, in(STATUS_COMMAND) & STATUS_OUTPUT_FULL);
    }

    @Test
    void controlByteCanBeWrittenAndReadBack() {
        out(STATUS_COMMAND, CMD_READ_CONTROL);
        assertEquals(CONTROL_KEYBOARD_INTERRUPT | CONTROL_SYSTEM_FLAG | CONTROL_TRANSLATE, in(DATA));
        out(STATUS_COMMAND, CMD_WRITE_CONTROL);
        out(DATA, 0x64);
        out(STATUS_COMMAND, CMD_READ_CONTROL);
        assertEquals(0x64, in(DATA));
    }

    @Test
    void responsesRaiseTheKeyboardInterruptOnlyWhileItIsEnabledInTheControlByte() {
        out(STATUS_COMMAND, CMD_KEYBOARD_TEST);
        assertEquals(1, keyboardInterrupts.get());
        out(STATUS_COMMAND, CMD_WRITE_CONTROL);
        out(DATA, 0x00);
        out(STATUS_COMMAND, CMD_SELF_TEST);
        assertEquals(1, keyboardInterrupts.get());
    }

    @Test
    void keyboardCommandsOnTheDataPortAreAcknowledged() {
        out(DATA, 0xf4); // enable scanning
        assertEquals(KEYBOARD_ACK, in(DATA));
    }

    @Test
    void statusRemembersWhetherTheLastWriteWasACommand() {
        out(STATUS_COMMAND, CMD_ENABLE_KEYBOARD);
        assertEquals(STATUS_LAST_WAS_COMMAND, in(STATUS_COMMAND) & STATUS_LAST_WAS_COMMAND);
        out(DATA, 0xf4);
        assertEquals(0, in(STATUS_COMMAND) & STATUS_LAST_WAS_COMMAND);
    }

    @Test
    void ctrlAltDelIsDeliveredOneScancodePerKeyboardInterrupt() {
        controller.pressCtrlAltDel();
        assertEquals(1, keyboardInterrupts.get());

        byte[] received = new byte[CTRL_ALT_DEL.length];
        for (int i = 0; i < received.length; i++) {
            assertEquals(STATUS_OUTPUT_FULL, in(STATUS_COMMAND) & STATUS_OUTPUT_FULL);
            received[i] = (byte) in(DATA);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                new byte[] {0x1d, 0x38, (byte) 0xe0, 0x53, (byte) 0xe0, (byte) 0xd3, (byte) 0xb8, (byte) 0x9d}, received);
        assertEquals(CTRL_ALT_DEL.length, keyboardInterrupts.get(), "one interrupt per scancode");
        assertEquals(0, in(STATUS_COMMAND) & STATUS_OUTPUT_FULL);
        assertEquals(0, resets.get());
    }
}
