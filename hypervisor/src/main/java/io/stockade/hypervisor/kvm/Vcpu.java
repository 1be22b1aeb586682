package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.Ioctl;
import io.stockade.hypervisor.sys.LinuxException;
import io.stockade.hypervisor.sys.Signals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stockade.hypervisor.kvm.KvmStructs.KERNEL_SIGSET_BYTES;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_FPU;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_LAPIC_STATE;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_MSRS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_MSR_ENTRY;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_REGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SIGNAL_MASK;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SREGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_XCR;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_XCRS;
import static io.stockade.hypervisor.kvm.KvmStructs.LAPIC_STATE_BYTES;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One virtual CPU: its registers, and {@link #run()}, which enters the guest until the next exit the VMM must
 * handle. {@code run()}, the {@code complete*} methods, {@link #prepareThreadForKicks()} and {@link #clearKick()}
 * belong to the one platform thread that runs this vCPU; {@link #kick()} may be called from any thread.
 *
 * <p>Kicking (ARCHITECTURE §3): a real-time signal that the vCPU thread keeps blocked, with SIG_IGN disposition
 * process-wide, is unblocked only inside KVM_RUN through KVM_SET_SIGNAL_MASK. A kick sets
 * {@code kvm_run.immediate_exit} and then sends the signal to the thread: if the thread is in the guest, KVM_RUN
 * returns EINTR; if it is about to enter, {@code immediate_exit} makes the next KVM_RUN return at once. Either way
 * {@link #run()} returns {@link VcpuExit.Interrupted}; the thread then calls {@link #clearKick()} and, after that,
 * looks at whatever state the kicker changed, so that no kick is lost.
 */
public final class Vcpu implements AutoCloseable {
    /** The index of XCR0 ({@code XCR_XFEATURE_ENABLED_MASK}), the only extended control register KVM knows. */
    private static final int XCR0 = 0;

    private final int id;
    private final int fd;
    private final Arena arena;
    private final KvmRun run;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final Object kickLock = new Object();
    private long kickTarget;          // pthread_t of the vCPU thread, 0 if none; guarded by kickLock
    private Thread kickTargetThread;  // guarded by kickLock

    Vcpu(int id, int fd, Arena arena, MemorySegment runMapping) {
        this.id = id;
        this.fd = fd;
        this.arena = arena;
        this.name = "vcpu " + id + " fd " + fd;
        this.run = new KvmRun(runMapping, name);
    }

    public int id() {
        return id;
    }

    public Registers getRegisters() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KVM_REGS);
            Ioctl.call(fd, name, KvmIoctls.GET_REGS, regs);
            return RegisterCodec.readRegisters(regs);
        }
    }

    public void setRegisters(Registers registers) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KVM_REGS);
            RegisterCodec.writeRegisters(registers, regs);
            Ioctl.call(fd, name, KvmIoctls.SET_REGS, regs);
        }
    }

    public SpecialRegisters getSpecialRegisters() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(KVM_SREGS);
            Ioctl.call(fd, name, KvmIoctls.GET_SREGS, sregs);
            return RegisterCodec.readSpecialRegisters(sregs);
        }
    }

    public void setSpecialRegisters(SpecialRegisters registers) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sregs = a.allocate(KVM_SREGS);
            RegisterCodec.writeSpecialRegisters(registers, sregs);
            Ioctl.call(fd, name, KvmIoctls.SET_SREGS, sregs);
        }
    }

    /** KVM_SET_CPUID2: what CPUID returns inside the guest. */
    public void setCpuid(List<CpuidEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            Ioctl.call(fd, name + " (" + entries.size() + " CPUID entries)", KvmIoctls.SET_CPUID2,
                    CpuidCodec.write(entries, a));
        }
    }

    /**
     * KVM_SET_MSRS.
     *
     * @throws LinuxException if KVM rejects the call; {@link IllegalArgumentException} naming the first MSR KVM
     *                        refused if it stops part-way
     */
    public void setMsrs(List<MsrEntry> entries) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment msrs = a.allocate(KVM_MSRS.byteSize() + entries.size() * KVM_MSR_ENTRY.byteSize(), 8);
            msrs.set(JAVA_INT, offset(KVM_MSRS, "nmsrs"), entries.size());
            for (int i = 0; i < entries.size(); i++) {
                long at = KVM_MSRS.byteSize() + i * KVM_MSR_ENTRY.byteSize();
                msrs.set(JAVA_INT, at + offset(KVM_MSR_ENTRY, "index"), entries.get(i).index());
                msrs.set(JAVA_LONG, at + offset(KVM_MSR_ENTRY, "data"), entries.get(i).data());
            }
            int written = Ioctl.call(fd, name, KvmIoctls.SET_MSRS, msrs);
            if (written != entries.size()) {
                MsrEntry refused = entries.get(written);
                throw new IllegalArgumentException(name + ": KVM_SET_MSRS set " + written + " of " + entries.size()
                        + " MSRs and refused MSR 0x" + Integer.toHexString(refused.index()) + " = 0x"
                        + Long.toHexString(refused.data()));
            }
        }
    }

    /** KVM_SET_FPU with a clean x87/SSE state except for the control word and MXCSR (e.g. 0x37f and 0x1f80). */
    public void setFpu(int fcw, int mxcsr) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fpu = a.allocate(KVM_FPU);
            fpu.set(JAVA_SHORT, offset(KVM_FPU, "fcw"), (short) fcw);
            fpu.set(JAVA_INT, offset(KVM_FPU, "mxcsr"), mxcsr);
            Ioctl.call(fd, name, KvmIoctls.SET_FPU, fpu);
        }
    }

    /**
     * KVM_SET_XCRS with XCR0 only. Call it after {@link #setCpuid}: KVM accepts only the state components the
     * vCPU's CPUID leaf 0xD advertises, and recomputes that leaf's XSAVE area sizes from the new value. Needs
     * {@link Capability#XCRS}.
     *
     * @throws LinuxException (EINVAL) if KVM refuses the value (a component the CPUID does not offer, x87 missing,
     *                        or an inconsistent combination such as AVX without SSE)
     */
    public void setXcr0(long value) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment xcrs = a.allocate(KVM_XCRS);
            xcrs.set(JAVA_INT, offset(KVM_XCRS, "nr_xcrs"), 1);
            long at = offset(KVM_XCRS, "xcrs");
            xcrs.set(JAVA_INT, at + offset(KVM_XCR, "xcr"), XCR0);
            xcrs.set(JAVA_LONG, at + offset(KVM_XCR, "value"), value);
            Ioctl.call(fd, name + " (XCR0 = 0x" + Long.toHexString(value) + ")", KvmIoctls.SET_XCRS, xcrs);
        }
    }

    /** KVM_GET_LAPIC: the local APIC's register page (1024 bytes), needs an in-kernel irqchip. */
    public byte[] getLapic() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lapic = a.allocate(KVM_LAPIC_STATE);
            Ioctl.call(fd, name, KvmIoctls.GET_LAPIC, lapic);
            return lapic.toArray(JAVA_BYTE);
        }
    }

    public void setLapic(byte[] state) {
        if (state.length != LAPIC_STATE_BYTES) {
            throw new IllegalArgumentException(name + ": LAPIC state must be " + LAPIC_STATE_BYTES + " bytes, got "
                    + state.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment lapic = a.allocate(KVM_LAPIC_STATE);
            MemorySegment.copy(state, 0, lapic, JAVA_BYTE, 0, state.length);
            Ioctl.call(fd, name, KvmIoctls.SET_LAPIC, lapic);
        }
    }

    /**
     * Enters the guest and returns the next exit KVM needs the VMM for. A kick (or any signal) yields
     * {@link VcpuExit.Interrupted}. EAGAIN is not an exit: KVM returns it for an application processor that is
     * still waiting for INIT/SIPI once the in-kernel LAPIC has handled an event for it, and expects the VMM to simply
     * run it again (as Firecracker does), so this method does.
     *
     * @throws IllegalStateException if the previous IoIn / MmioRead exit was not answered
     * @throws LinuxException        if KVM_RUN fails for another reason (e.g. EFAULT: guest memory unmapped)
     */
    public VcpuExit run() {
        run.checkReadyToEnter();
        while (true) {
            int result = Ioctl.callRaw(fd, KvmIoctls.RUN, 0L);
            if (result >= 0) {
                return run.decode();
            }
            if (-result == Errno.EINTR.number()) {
                return KvmRun.interrupted();
            }
            if (-result != Errno.EAGAIN.number()) {
                throw new LinuxException("ioctl(KVM_RUN)", name, -result);
            }
        }
    }

    /** Answers the {@link VcpuExit.IoIn} the last {@link #run()} returned: {@code size * count} bytes. */
    public void completeIoIn(byte[] data) {
        run.completeIoIn(data);
    }

    /** Answers the {@link VcpuExit.MmioRead} the last {@link #run()} returned: {@code length} bytes. */
    public void completeMmioRead(byte[] data) {
        run.completeMmioRead(data);
    }

    /**
     * Makes the calling platform thread the one {@link #kick()} interrupts: ignores the kick signal process-wide,
     * blocks it in this thread, and tells KVM to run the guest with this thread's mask minus that signal.
     * Call it on the vCPU thread before the first {@link #run()}.
     */
    public void prepareThreadForKicks() {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException(name + ": a vCPU must run on a platform thread, not a virtual thread");
        }
        int signal = KickSignal.NUMBER;
        // Order matters: a signal sent between these steps must find it ignored or blocked, never default (fatal).
        Signals.ignore(signal);
        Signals.block(signal);
        long insideGuest = Signals.blockedSignals() & ~(1L << (signal - 1));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mask = a.allocate(KVM_SIGNAL_MASK.byteSize() + KERNEL_SIGSET_BYTES, 8);
            mask.set(JAVA_INT, offset(KVM_SIGNAL_MASK, "len"), (int) KERNEL_SIGSET_BYTES);
            mask.set(JAVA_LONG_UNALIGNED, offset(KVM_SIGNAL_MASK, "sigset"), insideGuest);
            Ioctl.call(fd, name, KvmIoctls.SET_SIGNAL_MASK, mask);
        }
        synchronized (kickLock) {
            kickTarget = Signals.currentThread();
            kickTargetThread = Thread.currentThread();
        }
    }

    /**
     * Interrupts {@link #run()} on the vCPU thread, now or at its next entry. Safe from any thread, any number of
     * times; does nothing beyond setting {@code immediate_exit} before {@link #prepareThreadForKicks()}.
     */
    public void kick() {
        run.setImmediateExit(true);
        synchronized (kickLock) {
            // pthread_kill on a thread that has ended is undefined behaviour: only signal a live, registered thread.
            if (kickTarget != 0 && kickTargetThread.isAlive()) {
                Signals.sendToThread(kickTarget, KickSignal.NUMBER);
            }
        }
    }

    /** On the vCPU thread after a kick: clears {@code immediate_exit} and discards the pending kick signal. */
    public void clearKick() {
        run.setImmediateExit(false);
        Signals.consumePending(KickSignal.NUMBER);
    }

    /**
     * On the vCPU thread before it ends: {@link #kick()} stops signalling it. The kick signal stays blocked in the
     * thread, which is harmless (it is ignored anyway).
     */
    public void releaseThreadForKicks() {
        synchronized (kickLock) {
            kickTarget = 0;
            kickTargetThread = null;
        }
        Signals.consumePending(KickSignal.NUMBER);
    }

    /** The signal number kicks use. */
    static int kickSignal() {
        return KickSignal.NUMBER;
    }

    /** Unmaps kvm_run and closes the vCPU fd; idempotent. Do not call while {@link #run()} is in progress. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (kickLock) {
            kickTarget = 0;
            kickTargetThread = null;
        }
        arena.close();
        FileDescriptors.close(fd, name);
    }

    @Override
    public String toString() {
        return name;
    }

    // Lazy: resolving SIGRTMIN needs native calls that unit tests of the rest of this class do not.
    private static final class KickSignal {
        /** SIGRTMIN+5: HotSpot uses no real-time signals; glibc reserves those below SIGRTMIN. */
        static final int NUMBER = Signals.realtimeSignal(5);
    }
}
