package io.stockade.hypervisor.arch.x86_64.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AML encodings checked against what the ACPICA compiler (iasl) emits for the same ASL. */
class AmlTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void theS5SleepPackageIsNameOfAFourElementPackage() {
        // iasl: Name (_S5, Package (0x04) { 0x05, Zero, Zero, Zero })
        assertArrayEquals(bytes(0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00),
                Dsdt.sleepStateS5());
    }

    @Test
    void aOneElementPackageMatchesFirecrackersReferenceBytes() {
        // Firecracker's acpi-tables crate test vector for Name (_S5, Package (0x01) { 0x05 }).
        assertArrayEquals(bytes(0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x04, 0x01, 0x0a, 0x05),
                Aml.name("_S5_", Aml.pkg(Aml.integer(5))));
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertArrayEquals(bytes(0x00), Aml.integer(0));
        assertArrayEquals(bytes(0x01), Aml.integer(1));
        assertArrayEquals(bytes(0x0a, 0xff), Aml.integer(0xff));
        assertArrayEquals(bytes(0x0b, 0x00, 0x01), Aml.integer(0x100));
        assertArrayEquals(bytes(0x0c, 0x78, 0x56, 0x34, 0x12), Aml.integer(0x1234_5678));
        assertArrayEquals(bytes(0x0e, 0, 0, 0, 0, 1, 0, 0, 0), Aml.integer(1L << 32));
        assertArrayEquals(bytes(0x0e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), Aml.integer(-1));
    }

    @Test
    void eisaIdsAreCompressedAsIaslDoes() {
        // EISAID("PNP0A03") is the well-known 0x030AD041.
        assertArrayEquals(bytes(0x0c, 0x41, 0xd0, 0x0a, 0x03), Aml.eisaId("PNP0A03"));
        assertArrayEquals(bytes(0x0c, 0x41, 0xd0, 0x03, 0x03), Aml.eisaId("PNP0303"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0303"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("PNP03"));
    }

    @Test
    void stringsAreNulTerminatedAscii() {
        assertArrayEquals(bytes(0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0), Aml.string("LNRO0005"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("bad\0string"));
    }

    @Test
    void namesArePaddedAndPathsPrefixed() {
        assertArrayEquals(bytes('C', 'O', 'M', '1'), Aml.nameString("COM1"));
        assertArrayEquals(bytes('P', 'S', '2', '_'), Aml.nameString("PS2"));
        assertArrayEquals(bytes(0x2e, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'), Aml.nameString("_SB_.COM1"));
        assertArrayEquals(bytes(0x5c, '_', 'S', '5', '_'), Aml.nameString("\\_S5_"));
        assertArrayEquals(bytes(0x2f, 3, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_'),
                Aml.nameString("A.B.C"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "TOOLONG", "1ABC", "ab", "_SB_.", "A..B"})
    void invalidNamesAreRejected(String name) {
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString(name));
    }

    @Test
    void pkgLengthGrowsToTwoBytesAfter63AndCountsItself() {
        assertArrayEquals(bytes(0x3f), Aml.pkgLength(62));
        // 63 content bytes + 2 length bytes = 65 = 0x41: low nibble in the lead byte, the rest in the next.
        assertArrayEquals(bytes(0x41, 0x04), Aml.pkgLength(63));
        assertArrayEquals(bytes(0x4f, 0xff), Aml.pkgLength(0xfff - 2));
        // 0xfff - 1 content bytes need 3 length bytes: total 0x1001.
        assertArrayEquals(bytes(0x81, 0x00, 0x01), Aml.pkgLength(0xfff - 1));
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(Aml.MAX_PKG_LENGTH));
    }

    @Test
    void aResourceTemplateIsABufferEndingInAnEndTag() {
        // iasl: Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08) IRQNoFlags () {4} })
        assertArrayEquals(bytes(0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
                        0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
                        0x22, 0x10, 0x00,
                        0x79, 0x00),
                Aml.name("_CRS", Aml.resourceTemplate(Aml.io(0x3f8, 8), Aml.irqNoFlags(4))));
    }

    @Test
    void memoryAndExtendedInterruptDescriptors() {
        assertArrayEquals(bytes(0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00),
                Aml.memory32Fixed(0xd000_0000L, 0x1000));
        assertArrayEquals(bytes(0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00), Aml.extendedInterrupt(5));
        assertThrows(IllegalArgumentException.class, () -> Aml.irqNoFlags(16));
        assertThrows(IllegalArgumentException.class, () -> Aml.io(0xffff, 2));
        assertThrows(IllegalArgumentException.class, () -> Aml.memory32Fixed(0xffff_f000L, 0x2000));
    }

    @Test
    void aDeviceWrapsItsNameAndTerms() {
        byte[] device = Aml.device("_SB_.PS2_", Aml.name("_HID", Aml.eisaId("PNP0303")));
        assertArrayEquals(bytes(0x5b, 0x82), java.util.Arrays.copyOf(device, 2));
        assertEquals(device.length - 2, device[2], "PkgLength covers itself, the name and the terms");
        assertArrayEquals(bytes(0x2e, '_', 'S', 'B', '_', 'P', 'S', '2', '_', 0x08, '_', 'H', 'I', 'D',
                0x0c, 0x41, 0xd0, 0x03, 0x03), java.util.Arrays.copyOfRange(device, 3, device.length));
    }
}
