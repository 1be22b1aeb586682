package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class LapicTest {
    private static byte[] state(int lint0, int lint1) {
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1024; i += 4) {
            b.putInt(i, 0x1000_0000 + i); // every register distinguishable
        }
        b.putInt(0x350, lint0);
        b.putInt(0x360, lint1);
        return b.array();
    }

    private static int register(byte[] state, int offset) {
        return ByteBuffer.wrap(state).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    @Test
    void lint0BecomesExtIntAndLint1Nmi() {
        byte[] out = Lapic.withLintConfigured(state(0x0001_0000, 0x0001_0000)); // KVM's reset value: masked, fixed
        assertEquals(0x0001_0700, register(out, 0x350));
        assertEquals(0x0001_0400, register(out, 0x360));
    }

    @Test
    void replacesOnlyTheDeliveryModeBits() {
        // Vector 0x30, SMI delivery (0b010), level-triggered, masked — everything but bits 10:8 must survive.
        int lint = 0x0001_8000 | 0x200 | 0x30;
        byte[] out = Lapic.withLintConfigured(state(lint, lint));
        assertEquals((lint & ~0x700) | 0x700, register(out, 0x350));
        assertEquals((lint & ~0x700) | 0x400, register(out, 0x360));
    }

    @Test
    void leavesOtherRegistersAndTheInputAlone() {
        byte[] in = state(0, 0);
        byte[] original = in.clone();
        byte[] out = Lapic.withLintConfigured(in);
        assertEquals(java.util.Arrays.toString(original), java.util.Arrays.toString(in));
        for (int offset = 0; offset < 1024; offset += 4) {
            if (offset != 0x350 && offset != 0x360) {
                assertEquals(register(in, offset), register(out, offset), "register 0x" + Integer.toHexString(offset));
            }
        }
    }

    @Test
    void rejectsAStateOfTheWrongSize() {
        var e = assertThrows(IllegalArgumentException.class, () -> Lapic.withLintConfigured(new byte[1023]));
        assertEquals("LAPIC state is 1023 bytes, expected 1024", e.getMessage());
    }
}
