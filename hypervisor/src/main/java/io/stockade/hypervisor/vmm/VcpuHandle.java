package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.kvm.VcpuExit;

/**
 * What a vCPU thread and the lifecycle control need from one vCPU. {@link KvmVcpuHandle} adapts the real
 * {@code kvm.Vcpu}; tests drive the exit loop and the lifecycle with scripted fakes.
 */
interface VcpuHandle {

    int id();

    /** Called once on the vCPU's own thread before the first {@link #run()}. */
    void prepareThreadForKicks();

    /** Called once on the vCPU's own thread as it ends: kicks no longer signal it. */
    void releaseThreadForKicks();

    /** One KVM_RUN. */
    VcpuExit run();

    void completeIoIn(byte[] data);

    void completeMmioRead(byte[] data);

    /** From any thread: make the current or next {@link #run()} return {@link VcpuExit.Interrupted}. */
    void kick();

    /** On the vCPU thread, after an {@link VcpuExit.Interrupted}: forget the kick. */
    void clearKick();

    /** Registers and special registers, formatted for a diagnostic log line; never throws. */
    String describeState();
}
