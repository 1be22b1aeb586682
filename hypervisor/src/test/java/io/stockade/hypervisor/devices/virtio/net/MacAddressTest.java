package io.stockade.hypervisor.devices.virtio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MacAddressTest {

    @Test
    void parsesAndPrintsTheColonForm() {
        MacAddress mac = MacAddress.parse("52:54:00:AB:cd:0f");

        assertArrayEquals(new byte[] {0x52, 0x54, 0x00, (byte) 0xab, (byte) 0xcd, 0x0f}, mac.bytes());
        assertEquals("52:54:00:ab:cd:0f", mac.toString());
        assertEquals(mac, MacAddress.parse(mac.toString()));
        assertEquals(mac.hashCode(), MacAddress.parse("52:54:00:ab:cd:0f").hashCode());
    }

    @Test
    void refusesMulticastAndNullAddresses() {
        IllegalArgumentException multicast = assertThrows(IllegalArgumentException.class,
                () -> MacAddress.parse("01:00:5e:00:00:01"));
        assertTrue(multicast.getMessage().contains("01:00:5e:00:00:01") && multicast.getMessage().contains("multicast"),
                multicast.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("ff:ff:ff:ff:ff:ff"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("00:00:00:00:00:00"));
    }

    @Test
    void refusesMalformedText() {
        for (String bad : new String[] {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52-54-00-12-34-56",
                "52:54:00:12:34:5g", " 52:54:00:12:34:56"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(bad));
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(new byte[5]));
    }

    @Test
    void cannotBeChangedThroughItsBytes() {
        byte[] bytes = {0x52, 0x54, 0, 0, 0, 1};
        MacAddress mac = new MacAddress(bytes);
        bytes[5] = 9;
        mac.bytes()[5] = 9;

        assertEquals("52:54:00:00:00:01", mac.toString());
    }
}
