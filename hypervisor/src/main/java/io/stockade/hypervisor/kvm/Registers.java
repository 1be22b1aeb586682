package io.stockade.hypervisor.kvm;

/** A vCPU's general-purpose registers, instruction pointer and flags ({@code struct kvm_regs}). */
public record Registers(long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rsp, long rbp,
                        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15,
                        long rip, long rflags) {
    /** Bit 1 of RFLAGS is reserved and always reads as one; a guest entered with it clear fails VM entry. */
    public static final long RFLAGS_RESERVED_BIT = 0x2;

    /** All registers zero. Set at least {@code rip} and {@link #RFLAGS_RESERVED_BIT} before running a vCPU. */
    public static Registers zero() {
        return new Registers(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    public Registers withRip(long value) {
        return new Registers(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, value, rflags);
    }

    public Registers withRsp(long value) {
        return new Registers(rax, rbx, rcx, rdx, rsi, rdi, value, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Registers withRsi(long value) {
        return new Registers(rax, rbx, rcx, rdx, value, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, rflags);
    }

    public Registers withRflags(long value) {
        return new Registers(rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp, r8, r9, r10, r11, r12, r13, r14, r15, rip, value);
    }
}
