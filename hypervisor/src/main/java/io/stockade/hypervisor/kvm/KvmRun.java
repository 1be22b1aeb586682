package io.stockade.hypervisor.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.stockade.hypervisor.kvm.KvmStructs.INTERNAL_MAX_DATA;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_RUN;
import static io.stockade.hypervisor.kvm.KvmStructs.SYSTEM_EVENT_MAX_DATA;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A vCPU's shared {@code struct kvm_run} page: turns the exit KVM left there into a {@link VcpuExit}, writes the
 * VMM's answers to IN and MMIO reads back, and carries the {@code immediate_exit} flag other threads set to kick.
 * Decoding and answering happen on the vCPU thread only; {@link #setImmediateExit} may be called from any thread.
 */
final class KvmRun {
    static final int EXIT_UNKNOWN = 0;
    static final int EXIT_IO = 2;
    static final int EXIT_HLT = 5;
    static final int EXIT_MMIO = 6;
    static final int EXIT_SHUTDOWN = 8;
    static final int EXIT_FAIL_ENTRY = 9;
    static final int EXIT_INTR = 10;
    static final int EXIT_INTERNAL_ERROR = 17;
    static final int EXIT_SYSTEM_EVENT = 24;
    static final int EXIT_IO_IN = 0;
    static final int EXIT_IO_OUT = 1;

    private static final long EXIT_REASON = offset(KVM_RUN, "exit_reason");
    private static final long IO_DIRECTION = offset(KVM_RUN, "exit", "io", "direction");
    private static final long IO_SIZE = offset(KVM_RUN, "exit", "io", "size");
    private static final long IO_PORT = offset(KVM_RUN, "exit", "io", "port");
    private static final long IO_COUNT = offset(KVM_RUN, "exit", "io", "count");
    private static final long IO_DATA_OFFSET = offset(KVM_RUN, "exit", "io", "data_offset");
    private static final long MMIO_PHYS_ADDR = offset(KVM_RUN, "exit", "mmio", "phys_addr");
    private static final long MMIO_DATA = offset(KVM_RUN, "exit", "mmio", "data");
    private static final long MMIO_LEN = offset(KVM_RUN, "exit", "mmio", "len");
    private static final long MMIO_IS_WRITE = offset(KVM_RUN, "exit", "mmio", "is_write");
    private static final long SYSTEM_EVENT_TYPE = offset(KVM_RUN, "exit", "system_event", "type");
    private static final long SYSTEM_EVENT_NDATA = offset(KVM_RUN, "exit", "system_event", "ndata");
    private static final long SYSTEM_EVENT_DATA = offset(KVM_RUN, "exit", "system_event", "data");
    private static final long INTERNAL_SUBERROR = offset(KVM_RUN, "exit", "internal", "suberror");
    private static final long INTERNAL_NDATA = offset(KVM_RUN, "exit", "internal", "ndata");
    private static final long INTERNAL_DATA = offset(KVM_RUN, "exit", "internal", "data");
    private static final long FAIL_ENTRY_REASON = offset(KVM_RUN, "exit", "fail_entry", "hardware_entry_failure_reason");
    private static final long FAIL_ENTRY_CPU = offset(KVM_RUN, "exit", "fail_entry", "cpu");
    private static final int MMIO_MAX_BYTES = 8;
    // The kernel reads immediate_exit on entry while a kicking thread writes it: needs a volatile store.
    private static final VarHandle IMMEDIATE_EXIT = KVM_RUN.varHandle(groupElement("immediate_exit"));

    private static final VcpuExit.Halt HALT = new VcpuExit.Halt();
    private static final VcpuExit.Shutdown SHUTDOWN = new VcpuExit.Shutdown();
    private static final VcpuExit.Interrupted INTERRUPTED = new VcpuExit.Interrupted();

    private enum Pending { NONE, IO_IN, MMIO_READ }

    private final MemorySegment run;
    private final String owner;
    private Pending pending = Pending.NONE;
    private long pendingDataOffset;
    private int pendingLength;
    private VcpuExit pendingExit;

    /**
     * @param run   the mapped kvm_run page(s), at least {@code sizeof(struct kvm_run)} bytes
     * @param owner names the vCPU in error messages
     */
    KvmRun(MemorySegment run, String owner) {
        if (run.byteSize() < KVM_RUN.byteSize()) {
            throw new IllegalArgumentException(owner + ": kvm_run mapping of " + run.byteSize() + " bytes is smaller than "
                    + KVM_RUN.byteSize());
        }
        this.run = run;
        this.owner = owner;
    }

    static VcpuExit interrupted() {
        return INTERRUPTED;
    }

    /** Checks, before KVM_RUN, that the last exit needing an answer got one: KVM completes it on entry. */
    void checkReadyToEnter() {
        if (pending != Pending.NONE) {
            throw new IllegalStateException(owner + ": " + pendingExit + " was not answered (completeIoIn / "
                    + "completeMmioRead) before the next run()");
        }
    }

    /** The exit KVM_RUN just left in the page. */
    VcpuExit decode() {
        int reason = run.get(JAVA_INT, EXIT_REASON);
        return switch (reason) {
            case EXIT_IO -> decodeIo();
            case EXIT_MMIO -> decodeMmio();
            case EXIT_HLT -> HALT;
            case EXIT_SHUTDOWN -> SHUTDOWN;
            case EXIT_INTR -> INTERRUPTED;
            case EXIT_SYSTEM_EVENT -> new VcpuExit.SystemEvent(run.get(JAVA_INT, SYSTEM_EVENT_TYPE),
                    longs(SYSTEM_EVENT_DATA, run.get(JAVA_INT, SYSTEM_EVENT_NDATA), SYSTEM_EVENT_MAX_DATA));
            case EXIT_INTERNAL_ERROR -> new VcpuExit.InternalError(run.get(JAVA_INT, INTERNAL_SUBERROR),
                    longs(INTERNAL_DATA, run.get(JAVA_INT, INTERNAL_NDATA), INTERNAL_MAX_DATA));
            case EXIT_FAIL_ENTRY -> new VcpuExit.FailEntry(run.get(JAVA_LONG, FAIL_ENTRY_REASON),
                    run.get(JAVA_INT, FAIL_ENTRY_CPU));
            default -> new VcpuExit.Unknown(reason);
        };
    }

    /** Answers the pending {@link VcpuExit.IoIn}: {@code size * count} bytes, little-endian values back to back. */
    void completeIoIn(byte[] data) {
        complete(Pending.IO_IN, data);
    }

    /** Answers the pending {@link VcpuExit.MmioRead} with exactly {@code length} bytes. */
    void completeMmioRead(byte[] data) {
        complete(Pending.MMIO_READ, data);
    }

    void setImmediateExit(boolean value) {
        IMMEDIATE_EXIT.setVolatile(run, 0L, (byte) (value ? 1 : 0));
    }

    boolean immediateExit() {
        return (byte) IMMEDIATE_EXIT.getVolatile(run, 0L) != 0;
    }

    private VcpuExit decodeIo() {
        int direction = Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_DIRECTION));
        int size = Byte.toUnsignedInt(run.get(JAVA_BYTE, IO_SIZE));
        int port = Short.toUnsignedInt(run.get(JAVA_SHORT, IO_PORT));
        int count = run.get(JAVA_INT, IO_COUNT);
        long dataOffset = run.get(JAVA_LONG, IO_DATA_OFFSET);
        int length = checkedDataLength(size, count, dataOffset, port);
        if (direction == EXIT_IO_OUT) {
            byte[] data = new byte[length];
            MemorySegment.copy(run, JAVA_BYTE, dataOffset, data, 0, length);
            return new VcpuExit.IoOut(port, size, data);
        }
        VcpuExit.IoIn in = new VcpuExit.IoIn(port, size, count);
        expect(Pending.IO_IN, dataOffset, length, in);
        return in;
    }

    private VcpuExit decodeMmio() {
        long address = run.get(JAVA_LONG, MMIO_PHYS_ADDR);
        int length = run.get(JAVA_INT, MMIO_LEN);
        if (length < 1 || length > MMIO_MAX_BYTES) {
            throw new IllegalStateException(owner + ": MMIO exit at 0x" + Long.toHexString(address)
                    + " with impossible length " + length);
        }
        if (run.get(JAVA_BYTE, MMIO_IS_WRITE) != 0) {
            byte[] data = new byte[length];
            MemorySegment.copy(run, JAVA_BYTE, MMIO_DATA, data, 0, length);
            return new VcpuExit.MmioWrite(address, data);
        }
        VcpuExit.MmioRead read = new VcpuExit.MmioRead(address, length);
        expect(Pending.MMIO_READ, MMIO_DATA, length, read);
        return read;
    }

    // The kernel puts PIO data inside the mapping; anything else would be a kernel bug, reported rather than trusted.
    private int checkedDataLength(int size, int count, long dataOffset, int port) {
        long length = (long) size * count;
        if (size != 1 && size != 2 && size != 4 || count < 1 || dataOffset < 0 || length > run.byteSize() - dataOffset) {
            throw new IllegalStateException(owner + ": I/O exit on port 0x" + Integer.toHexString(port)
                    + " with impossible size " + size + ", count " + count + " or data offset " + dataOffset);
        }
        return (int) length;
    }

    private void expect(Pending kind, long dataOffset, int length, VcpuExit exit) {
        pending = kind;
        pendingDataOffset = dataOffset;
        pendingLength = length;
        pendingExit = exit;
    }

    private void complete(Pending kind, byte[] data) {
        if (pending != kind) {
            throw new IllegalStateException(owner + ": no " + (kind == Pending.IO_IN ? "IoIn" : "MmioRead")
                    + " exit is waiting for an answer" + (pending == Pending.NONE ? "" : " (pending: " + pendingExit + ")"));
        }
        if (data.length != pendingLength) {
            throw new IllegalArgumentException(owner + ": " + pendingExit + " needs " + pendingLength + " bytes, got "
                    + data.length);
        }
        MemorySegment.copy(data, 0, run, JAVA_BYTE, pendingDataOffset, data.length);
        pending = Pending.NONE;
        pendingExit = null;
    }

    private long[] longs(long offset, int count, int max) {
        int n = Math.clamp(count, 0, max);
        long[] values = new long[n];
        MemorySegment.copy(run, JAVA_LONG, offset, values, 0, n);
        return values;
    }
}
