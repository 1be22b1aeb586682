package io.stockade.hypervisor.kvm;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Why one {@link Vcpu#run()} returned to the VMM. Exits that ask for data ({@link IoIn}, {@link MmioRead}) are
 * answered with {@link Vcpu#completeIoIn(byte[])} / {@link Vcpu#completeMmioRead(byte[])} before the next run.
 */
public sealed interface VcpuExit {

    /**
     * The guest executed IN/INS: it wants {@code count} values of {@code size} bytes (1, 2 or 4) from {@code port}.
     */
    record IoIn(int port, int size, int count) implements VcpuExit {
        /** Bytes the answer must have. */
        public int dataLength() {
            return size * count;
        }
    }

    /** The guest executed OUT/OUTS: {@code data} holds {@code data.length / size} values of {@code size} bytes. */
    record IoOut(int port, int size, byte[] data) implements VcpuExit {
        public IoOut {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IoOut that && port == that.port && size == that.size && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * port + size) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "IoOut[port=0x" + Integer.toHexString(port) + ", size=" + size + ", data="
                    + HexFormat.of().formatHex(data) + "]";
        }
    }

    /** The guest read {@code length} bytes (1..8) of unbacked guest-physical memory. */
    record MmioRead(long address, int length) implements VcpuExit {
        @Override
        public String toString() {
            return "MmioRead[address=0x" + Long.toHexString(address) + ", length=" + length + "]";
        }
    }

    /** The guest wrote {@code data} (1..8 bytes) to unbacked guest-physical memory. */
    record MmioWrite(long address, byte[] data) implements VcpuExit {
        public MmioWrite {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof MmioWrite that && address == that.address && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(address) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "MmioWrite[address=0x" + Long.toHexString(address) + ", data=" + HexFormat.of().formatHex(data) + "]";
        }
    }

    /** The guest executed HLT and no in-kernel irqchip handles halting. */
    record Halt() implements VcpuExit {}

    /** The guest triple-faulted (KVM_EXIT_SHUTDOWN); on x86 this is also how some guests reset. */
    record Shutdown() implements VcpuExit {}

    /**
     * A system-level event from the guest (KVM_EXIT_SYSTEM_EVENT), e.g. a PSCI/ACPI power-off or reset.
     *
     * @param type {@link #SHUTDOWN}, {@link #RESET}, {@link #CRASH} or a newer KVM value
     */
    record SystemEvent(int type, long[] data) implements VcpuExit {
        public static final int SHUTDOWN = 1;
        public static final int RESET = 2;
        public static final int CRASH = 3;

        public SystemEvent {
            data = data.clone();
        }

        @Override
        public long[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SystemEvent that && type == that.type && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return 31 * type + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "SystemEvent[type=" + type + ", data=" + Arrays.toString(data) + "]";
        }
    }

    /** KVM could not handle something on the guest's behalf (KVM_EXIT_INTERNAL_ERROR), e.g. emulation failure. */
    record InternalError(int suberror, long[] data) implements VcpuExit {
        public static final int EMULATION = 1;
        public static final int SIMUL_EX = 2;
        public static final int DELIVERY_EV = 3;
        public static final int UNEXPECTED_EXIT_REASON = 4;

        public InternalError {
            data = data.clone();
        }

        @Override
        public long[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof InternalError that && suberror == that.suberror && Arrays.equals(data, that.data);
        }

        @Override
        public int hashCode() {
            return 31 * suberror + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder("InternalError[suberror=").append(suberror).append(", data=[");
            for (int i = 0; i < data.length; i++) {
                s.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(data[i]));
            }
            return s.append("]]").toString();
        }
    }

    /**
     * The hardware refused to enter the guest (KVM_EXIT_FAIL_ENTRY), usually invalid guest state.
     *
     * @param reason the hardware's entry-failure reason (VMX exit reason / SVM exit code)
     */
    record FailEntry(long reason, int cpu) implements VcpuExit {
        @Override
        public String toString() {
            return "FailEntry[reason=0x" + Long.toHexString(reason) + ", cpu=" + cpu + "]";
        }
    }

    /** KVM_RUN was interrupted by a signal (EINTR or KVM_EXIT_INTR), normally a {@link Vcpu#kick()}. */
    record Interrupted() implements VcpuExit {}

    /** An exit reason this VMM does not handle; the number is a KVM_EXIT_* value. */
    record Unknown(int reason) implements VcpuExit {}
}
