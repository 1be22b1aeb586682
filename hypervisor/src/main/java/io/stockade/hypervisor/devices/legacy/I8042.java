package io.stockade.hypervisor.devices.legacy;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.bus.BusDevice;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PS/2 keyboard controller, reduced to what Linux needs: probing succeeds, and command 0xFE
 * ("pulse the reset line", used by {@code reboot=k}) resets the machine through a callback.
 *
 * <p>Registered over ports 0x60–0x64: offset 0 is the data port, offset 4 the status (read) and command
 * (write) port. Keyboard commands written to the data port are acknowledged with 0xFA so the driver's probe
 * finishes quickly. The only keys ever typed are Ctrl+Alt+Del ({@link #pressCtrlAltDel()}), the host's way of
 * asking a guest without ACPI to shut down; they are sent as translated (set 1) scancodes, as a PC controller
 * with the XLATE bit set delivers them, one byte per keyboard interrupt.
 */
public final class I8042 implements BusDevice {

    private static final Logger log = LoggerFactory.getLogger(I8042.class);

    /** First port (data). */
    public static final int BASE_PORT = 0x60;
    /** Ports decoded from {@link #BASE_PORT}: data at +0, status/command at +4. */
    public static final int PORT_COUNT = 5;

    static final int DATA = 0;
    static final int STATUS_COMMAND = 4;

    static final int STATUS_OUTPUT_FULL = 0x01;
    static final int STATUS_SYSTEM_FLAG = 0x04;
    static final int STATUS_LAST_WAS_COMMAND = 0x08;
    static final int STATUS_KEYBOARD_UNLOCKED = 0x10;

    static final int CMD_READ_CONTROL = 0x20;
    static final int CMD_WRITE_CONTROL = 0x60;
    static final int CMD_DISABLE_AUX = 0xa7;
    static final int CMD_ENABLE_AUX = 0xa8;
    static final int CMD_SELF_TEST = 0xaa;
    static final int CMD_KEYBOARD_TEST = 0xab;
    static final int CMD_DISABLE_KEYBOARD = 0xad;
    static final int CMD_ENABLE_KEYBOARD = 0xae;
    static final int CMD_READ_OUTPUT_PORT = 0xd0;
    static final int CMD_WRITE_OUTPUT_PORT = 0xd1;
    static final int CMD_PULSE_RESET = 0xfe;

    static final int SELF_TEST_PASSED = 0x55;
    static final int KEYBOARD_ACK = 0xfa;
    static final int CONTROL_KEYBOARD_INTERRUPT = 0x01;
    static final int CONTROL_SYSTEM_FLAG = 0x04;
    static final int CONTROL_TRANSLATE = 0x40;

    /** Ctrl, Alt, Del (extended) pressed, then released in reverse order, in scancode set 1. */
    static final byte[] CTRL_ALT_DEL = {0x1d, 0x38, (byte) 0xe0, 0x53, (byte) 0xe0, (byte) 0xd3, (byte) 0xb8, (byte) 0x9d};

    private final Runnable resetRequested;
    private final Interrupt keyboardInterrupt;
    private final ArrayDeque<Byte> output = new ArrayDeque<>();

    // Guarded by this.
    private int control = CONTROL_KEYBOARD_INTERRUPT | CONTROL_SYSTEM_FLAG | CONTROL_TRANSLATE;
    private int outputPort = 0x01; // bit 0 = reset line inactive
    private int pendingCommand;    // a command whose parameter byte is awaited on the data port, or 0
    private boolean lastWasCommand;

    /**
     * @param resetRequested called (on a vCPU thread) when the guest pulses the reset line
     * @param keyboardInterrupt IRQ 1, raised when a byte is placed in the output buffer and the guest enabled it
     */
    public I8042(Runnable resetRequested, Interrupt keyboardInterrupt) {
        this.resetRequested = resetRequested;
        this.keyboardInterrupt = keyboardInterrupt;
    }

    @Override
    public void read(long offset, byte[] data) {
        int value;
        synchronized (this) {
            value = switch ((int) offset) {
                case DATA -> {
                    Byte b = output.pollFirst();
                    if (!output.isEmpty()) {
                        interruptIfEnabled(); // the next scancode is waiting
                    }
                    yield b == null ? 0 : b & 0xff;
                }
                case STATUS_COMMAND -> status();
                default -> 0xff;
            };
        }
        data[0] = (byte) value;
        for (int i = 1; i < data.length; i++) {
            data[i] = 0;
        }
    }

    private int status() {
        return (output.isEmpty() ? 0 : STATUS_OUTPUT_FULL) | STATUS_SYSTEM_FLAG | STATUS_KEYBOARD_UNLOCKED
                | (lastWasCommand ? STATUS_LAST_WAS_COMMAND : 0);
    }

    @Override
    public void write(long offset, byte[] data) {
        if (data.length == 0) {
            return;
        }
        int value = data[0] & 0xff;
        boolean reset;
        synchronized (this) {
            reset = switch ((int) offset) {
                case STATUS_COMMAND -> command(value);
                case DATA -> dataWrite(value);
                default -> false;
            };
        }
        if (reset) {
            log.info("guest pulsed the i8042 reset line (command 0x{})", Integer.toHexString(CMD_PULSE_RESET));
            resetRequested.run(); // outside the lock: the callback stops the VM
        }
    }

    /** @return whether the command resets the machine */
    private boolean command(int cmd) {
        lastWasCommand = true;
        pendingCommand = 0;
        switch (cmd) {
            case CMD_READ_CONTROL -> respond(control);
            case CMD_WRITE_CONTROL, CMD_WRITE_OUTPUT_PORT -> pendingCommand = cmd;
            case CMD_READ_OUTPUT_PORT -> respond(outputPort);
            case CMD_SELF_TEST -> respond(SELF_TEST_PASSED);
            case CMD_KEYBOARD_TEST -> respond(0x00);
            case CMD_DISABLE_AUX, CMD_ENABLE_AUX, CMD_DISABLE_KEYBOARD, CMD_ENABLE_KEYBOARD -> { }
            case CMD_PULSE_RESET -> {
                return true;
            }
            default -> log.debug("ignoring i8042 command 0x{}", Integer.toHexString(cmd));
        }
        return false;
    }

    /** @return whether the write resets the machine */
    private boolean dataWrite(int value) {
        lastWasCommand = false;
        int cmd = pendingCommand;
        pendingCommand = 0;
        switch (cmd) {
            case CMD_WRITE_CONTROL -> control = value;
            case CMD_WRITE_OUTPUT_PORT -> {
                outputPort = value;
                return (value & 0x01) == 0; // bit 0 drives the CPU reset line (active low)
            }
            default -> respond(KEYBOARD_ACK); // a command for the keyboard itself
        }
        return false;
    }

    /** Types Ctrl+Alt+Del: Linux then reboots, or signals init if init disabled the kernel's own handling. */
    public synchronized void pressCtrlAltDel() {
        boolean wasEmpty = output.isEmpty();
        for (byte scancode : CTRL_ALT_DEL) {
            output.addLast(scancode);
        }
        if (wasEmpty) {
            interruptIfEnabled();
        }
    }

    private void respond(int value) {
        output.clear(); // a command's answer replaces whatever the guest did not read
        output.addLast((byte) value);
        interruptIfEnabled();
    }

    private void interruptIfEnabled() {
        if ((control & CONTROL_KEYBOARD_INTERRUPT) != 0) {
            keyboardInterrupt.trigger();
        }
    }
}
