package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.kvm.Registers;
import io.stockade.hypervisor.kvm.SpecialRegisters;
import io.stockade.hypervisor.kvm.Vcpu;
import io.stockade.hypervisor.kvm.VcpuExit;

/** {@link VcpuHandle} over a real KVM vCPU. */
final class KvmVcpuHandle implements VcpuHandle {

    private final Vcpu vcpu;

    KvmVcpuHandle(Vcpu vcpu) {
        this.vcpu = vcpu;
    }

    @Override
    public int id() {
        return vcpu.id();
    }

    @Override
    public void prepareThreadForKicks() {
        vcpu.prepareThreadForKicks();
    }

    @Override
    public void releaseThreadForKicks() {
        vcpu.releaseThreadForKicks();
    }

    @Override
    public VcpuExit run() {
        return vcpu.run();
    }

    @Override
    public void completeIoIn(byte[] data) {
        vcpu.completeIoIn(data);
    }

    @Override
    public void completeMmioRead(byte[] data) {
        vcpu.completeMmioRead(data);
    }

    @Override
    public void kick() {
        vcpu.kick();
    }

    @Override
    public void clearKick() {
        vcpu.clearKick();
    }

    @Override
    public String describeState() {
        try {
            Registers r = vcpu.getRegisters();
            SpecialRegisters s = vcpu.getSpecialRegisters();
            return String.format("vCPU %d registers: rip=%#x rsp=%#x rbp=%#x rflags=%#x rax=%#x rbx=%#x rcx=%#x "
                            + "rdx=%#x rsi=%#x rdi=%#x r8=%#x r9=%#x r10=%#x r11=%#x r12=%#x r13=%#x r14=%#x r15=%#x; "
                            + "cr0=%#x cr2=%#x cr3=%#x cr4=%#x efer=%#x cs=%#x(base %#x, l=%d) ss=%#x gdt=%#x/%#x idt=%#x/%#x "
                            + "apic_base=%#x",
                    vcpu.id(), r.rip(), r.rsp(), r.rbp(), r.rflags(), r.rax(), r.rbx(), r.rcx(), r.rdx(), r.rsi(),
                    r.rdi(), r.r8(), r.r9(), r.r10(), r.r11(), r.r12(), r.r13(), r.r14(), r.r15(),
                    s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.efer(), s.cs().selector(), s.cs().base(), s.cs().l(),
                    s.ss().selector(), s.gdt().base(), s.gdt().limit(), s.idt().base(), s.idt().limit(), s.apicBase());
        } catch (RuntimeException e) {
            return "vCPU " + vcpu.id() + " registers unavailable: " + e.getMessage();
        }
    }
}
