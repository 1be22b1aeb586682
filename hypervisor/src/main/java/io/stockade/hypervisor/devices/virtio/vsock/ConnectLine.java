package io.stockade.hypervisor.devices.virtio.vsock;

import java.nio.charset.StandardCharsets;

/**
 * The hybrid-vsock handshake a host client sends first, {@code CONNECT <port>\n} (Firecracker, Cloud Hypervisor,
 * containerd's {@code hvsock://} dialer), and our answer {@code OK <host port>\n}.
 */
final class ConnectLine {

    /** The longest line accepted, newline included; "CONNECT 4294967295\n" is 19 bytes. */
    static final int MAX_BYTES = 32;

    private static final String PREFIX = "CONNECT ";

    private ConnectLine() {
    }

    /**
     * The guest port requested by {@code line} (without its newline).
     *
     * @throws IllegalArgumentException naming what is wrong with the line
     */
    static int parsePort(byte[] line) {
        String text = new String(line, StandardCharsets.US_ASCII);
        if (!text.startsWith(PREFIX)) {
            throw new IllegalArgumentException("expected \"CONNECT <port>\", got \"" + printable(text) + "\"");
        }
        String digits = text.substring(PREFIX.length());
        if (digits.isEmpty() || digits.length() > 10 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port \"" + printable(digits) + "\" is not a decimal number");
        }
        long port = Long.parseLong(digits);
        if (port > 0xffff_ffffL) {
            throw new IllegalArgumentException("port " + port + " does not fit in 32 bits");
        }
        return (int) port;
    }

    /** The answer for a connection the guest accepted. */
    static byte[] ok(int hostPort) {
        return ("OK " + Integer.toUnsignedString(hostPort) + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return out.toString();
    }
}
