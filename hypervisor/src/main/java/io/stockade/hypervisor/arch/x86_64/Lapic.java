package io.stockade.hypervisor.arch.x86_64;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Local APIC setup for a fresh vCPU: wires LINT0 as ExtINT (the legacy PIC's output, which the kernel expects during
 * early boot) and LINT1 as NMI, as a PC BIOS does (Intel SDM "Local Vector Table"). Works on the 1024-byte
 * {@code kvm_lapic_state} register page from {@code KVM_GET_LAPIC}.
 */
public final class Lapic {
    /** Size of {@code struct kvm_lapic_state}. */
    public static final int STATE_SIZE = 1024;
    static final int LVT_LINT0 = 0x350;
    static final int LVT_LINT1 = 0x360;
    static final int DELIVERY_MODE_MASK = 0x700;
    static final int DELIVERY_MODE_NMI = 0x4;
    static final int DELIVERY_MODE_EXTINT = 0x7;

    private Lapic() {}

    /**
     * A copy of {@code lapicState} with LINT0's delivery mode set to ExtINT and LINT1's to NMI; all other bits
     * (vector, mask, trigger mode, ...) and registers are kept.
     *
     * @throws IllegalArgumentException if {@code lapicState} is not {@value #STATE_SIZE} bytes
     */
    public static byte[] withLintConfigured(byte[] lapicState) {
        if (lapicState.length != STATE_SIZE) {
            throw new IllegalArgumentException("LAPIC state is " + lapicState.length + " bytes, expected " + STATE_SIZE);
        }
        byte[] copy = lapicState.clone();
        ByteBuffer registers = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        setDeliveryMode(registers, LVT_LINT0, DELIVERY_MODE_EXTINT);
        setDeliveryMode(registers, LVT_LINT1, DELIVERY_MODE_NMI);
        return copy;
    }

    private static void setDeliveryMode(ByteBuffer registers, int offset, int mode) {
        int value = registers.getInt(offset);
        registers.putInt(offset, (value & ~DELIVERY_MODE_MASK) | (mode << 8));
    }
}
