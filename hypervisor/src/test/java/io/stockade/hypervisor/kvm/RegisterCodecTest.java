package io.stockade.hypervisor.kvm;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_REGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SREGS;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Register records survive the trip through kvm_regs / kvm_sregs / kvm_cpuid2 field by field. */
class RegisterCodecTest {

    @Test
    void generalRegistersRoundTripAndLandAtTheirOffsets() {
        Registers regs = new Registers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0x1000, 2);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native_ = arena.allocate(KVM_REGS);
            RegisterCodec.writeRegisters(regs, native_);
            assertEquals(0x1000, native_.get(JAVA_LONG, offset(KVM_REGS, "rip")));
            assertEquals(5, native_.get(JAVA_LONG, offset(KVM_REGS, "rsi")));
            assertEquals(regs, RegisterCodec.readRegisters(native_));
        }
    }

    @Test
    void specialRegistersRoundTripAndLandAtTheirOffsets() {
        SpecialRegisters sregs = new SpecialRegisters(
                segment(1), segment(2), segment(3), segment(4), segment(5), segment(6), segment(7), segment(8),
                new DescriptorTable(0x500, (short) 0x1f), new DescriptorTable(0x600, (short) 0x7ff),
                0x80050033L, 0x22, 0x9000, 0x20, 0x0, 0x500, 0xFEE00900L, new long[] {1, 2, 3, 4});
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native_ = arena.allocate(KVM_SREGS);
            RegisterCodec.writeSpecialRegisters(sregs, native_);
            assertEquals(0x9000, native_.get(JAVA_LONG, offset(KVM_SREGS, "cr3")));
            assertEquals(0x600, native_.get(JAVA_LONG, offset(KVM_SREGS, "idt", "base")));
            assertEquals((short) 0x18, native_.get(JAVA_SHORT, offset(KVM_SREGS, "cs", "selector")));
            assertEquals(sregs, RegisterCodec.readSpecialRegisters(native_));
        }
    }

    @Test
    void cpuidEntriesRoundTrip() {
        List<CpuidEntry> entries = List.of(new CpuidEntry(0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
                new CpuidEntry(7, 1, CpuidEntry.FLAG_SIGNIFICANT_INDEX, 1, 2, 3, 4));
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(entries, CpuidCodec.read(CpuidCodec.write(entries, arena)));
        }
    }

    @Test
    void theInterruptBitmapIsCopiedInAndOut() {
        long[] bitmap = {1, 0, 0, 0};
        SpecialRegisters sregs = new SpecialRegisters(segment(1), segment(1), segment(1), segment(1), segment(1),
                segment(1), segment(1), segment(1), new DescriptorTable(0, (short) 0), new DescriptorTable(0, (short) 0),
                0, 0, 0, 0, 0, 0, 0, bitmap);
        bitmap[0] = 99;
        assertEquals(1, sregs.interruptBitmap()[0]);
        assertNotSame(sregs.interruptBitmap(), sregs.interruptBitmap());
        assertThrows(IllegalArgumentException.class, () -> new SpecialRegisters(segment(1), segment(1), segment(1),
                segment(1), segment(1), segment(1), segment(1), segment(1), new DescriptorTable(0, (short) 0),
                new DescriptorTable(0, (short) 0), 0, 0, 0, 0, 0, 0, 0, new long[3]));
    }

    private static Segment segment(int n) {
        return new Segment(n * 0x1000L, 0xFFFFF, (short) (n * 8 + 0x10), (byte) 0xb, (byte) 1, (byte) 0, (byte) 0,
                (byte) 1, (byte) 1, (byte) 1, (byte) 0, (byte) 0);
    }
}
