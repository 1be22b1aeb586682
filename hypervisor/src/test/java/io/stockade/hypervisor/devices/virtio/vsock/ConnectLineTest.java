package io.stockade.hypervisor.devices.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ConnectLineTest {

    private static int parse(String line) {
        return ConnectLine.parsePort(line.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void acceptsTheWholeUnsignedPortRange() {
        assertEquals(1024, parse("CONNECT 1024"));
        assertEquals(0, parse("CONNECT 0"));
        assertEquals(-1, parse("CONNECT 4294967295"), "2^32 - 1 as an unsigned int");
    }

    @Test
    void refusesAnythingElseAndSaysWhat() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("connect 1024")).getMessage()
                .contains("expected \"CONNECT <port>\""));
        assertThrows(IllegalArgumentException.class, () -> parse("CONNECT"));
        assertThrows(IllegalArgumentException.class, () -> parse("CONNECT "));
        assertThrows(IllegalArgumentException.class, () -> parse("CONNECT -1"));
        assertThrows(IllegalArgumentException.class, () -> parse("CONNECT 1024\r"));
        assertThrows(IllegalArgumentException.class, () -> parse("CONNECT  1024"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("CONNECT 4294967296")).getMessage()
                .contains("32 bits"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> parse("CONNECT 1\u0000")).getMessage()
                .contains("\\x00"), "control bytes are shown escaped");
    }

    @Test
    void answersWithTheHostPortUnsigned() {
        assertArrayEquals("OK 1073741824\n".getBytes(StandardCharsets.US_ASCII), ConnectLine.ok(1 << 30));
        assertArrayEquals("OK 2147483648\n".getBytes(StandardCharsets.US_ASCII), ConnectLine.ok(Integer.MIN_VALUE));
    }
}
