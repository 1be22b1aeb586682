package io.stockade.hypervisor.devices.virtio.net;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The Ethernet address a virtio-net device announces to the guest in its configuration space. Only unicast
 * addresses other than all-zeros are accepted: a guest NIC with a multicast or null address would have its frames
 * dropped or misdelivered by every bridge and by the kernel's own stack.
 */
public record MacAddress(byte[] bytes) {

    /** An Ethernet address is six bytes. */
    public static final int LENGTH = 6;

    private static final Pattern TEXT = Pattern.compile("\\p{XDigit}{2}(:\\p{XDigit}{2}){5}");

    public MacAddress {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address has " + LENGTH + " bytes, got " + bytes.length);
        }
        bytes = bytes.clone();
        String text = format(bytes);
        if ((bytes[0] & 1) != 0) {
            throw new IllegalArgumentException("MAC address " + text + " is multicast (the low bit of the first byte"
                    + " is set); a NIC needs a unicast address");
        }
        if (isZero(bytes)) {
            throw new IllegalArgumentException("MAC address " + text + " is all zeros");
        }
    }

    /** Parses the usual colon form, e.g. {@code 52:54:00:12:34:56} (case-insensitive). */
    public static MacAddress parse(String text) {
        if (!TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a MAC address of the form 52:54:00:12:34:56");
        }
        return new MacAddress(HexFormat.ofDelimiter(":").parseHex(text));
    }

    /** The six bytes, a copy. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** The colon form in lower case, e.g. {@code 52:54:00:12:34:56}. */
    @Override
    public String toString() {
        return format(bytes);
    }

    private static String format(byte[] bytes) {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
