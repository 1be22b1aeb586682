/*
 * Layout oracle: prints the sizes, field offsets, ioctl numbers and constants that the hypervisor's hand-written
 * FFM layouts must match, as gcc computes them from the real kernel and libc headers. Compiled and run by
 * KvmLayoutOracleTest / SysLayoutOracleTest (via LayoutOracle); one line per fact:
 *   sizeof   <domain> <struct>        <bytes>
 *   offsetof <domain> <struct>.<path> <bytes>
 *   ioctl    <domain> <name>          <number>
 *   const    <domain> <name>          <value>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>

#define SIZE(domain, s) printf("sizeof %s %s %zu\n", domain, #s, sizeof(struct s))
#define OFF(domain, s, f) printf("offsetof %s %s.%s %zu\n", domain, #s, #f, offsetof(struct s, f))
#define IOC(domain, n) printf("ioctl %s %s %lu\n", domain, #n, (unsigned long) (n))
#define CONST(domain, n) printf("const %s %s %ld\n", domain, #n, (long) (n))

static void kvm_structs(void) {
    SIZE("kvm", kvm_regs);
    OFF("kvm", kvm_regs, rax); OFF("kvm", kvm_regs, rbx); OFF("kvm", kvm_regs, rcx); OFF("kvm", kvm_regs, rdx);
    OFF("kvm", kvm_regs, rsi); OFF("kvm", kvm_regs, rdi); OFF("kvm", kvm_regs, rsp); OFF("kvm", kvm_regs, rbp);
    OFF("kvm", kvm_regs, r8); OFF("kvm", kvm_regs, r9); OFF("kvm", kvm_regs, r10); OFF("kvm", kvm_regs, r11);
    OFF("kvm", kvm_regs, r12); OFF("kvm", kvm_regs, r13); OFF("kvm", kvm_regs, r14); OFF("kvm", kvm_regs, r15);
    OFF("kvm", kvm_regs, rip); OFF("kvm", kvm_regs, rflags);

    SIZE("kvm", kvm_segment);
    OFF("kvm", kvm_segment, base); OFF("kvm", kvm_segment, limit); OFF("kvm", kvm_segment, selector);
    OFF("kvm", kvm_segment, type); OFF("kvm", kvm_segment, present); OFF("kvm", kvm_segment, dpl);
    OFF("kvm", kvm_segment, db); OFF("kvm", kvm_segment, s); OFF("kvm", kvm_segment, l); OFF("kvm", kvm_segment, g);
    OFF("kvm", kvm_segment, avl); OFF("kvm", kvm_segment, unusable); OFF("kvm", kvm_segment, padding);

    SIZE("kvm", kvm_dtable);
    OFF("kvm", kvm_dtable, base); OFF("kvm", kvm_dtable, limit); OFF("kvm", kvm_dtable, padding);

    SIZE("kvm", kvm_sregs);
    OFF("kvm", kvm_sregs, cs); OFF("kvm", kvm_sregs, ds); OFF("kvm", kvm_sregs, es); OFF("kvm", kvm_sregs, fs);
    OFF("kvm", kvm_sregs, gs); OFF("kvm", kvm_sregs, ss); OFF("kvm", kvm_sregs, tr); OFF("kvm", kvm_sregs, ldt);
    OFF("kvm", kvm_sregs, gdt); OFF("kvm", kvm_sregs, idt); OFF("kvm", kvm_sregs, cr0); OFF("kvm", kvm_sregs, cr2);
    OFF("kvm", kvm_sregs, cr3); OFF("kvm", kvm_sregs, cr4); OFF("kvm", kvm_sregs, cr8); OFF("kvm", kvm_sregs, efer);
    OFF("kvm", kvm_sregs, apic_base); OFF("kvm", kvm_sregs, interrupt_bitmap);

    SIZE("kvm", kvm_fpu);
    OFF("kvm", kvm_fpu, fpr); OFF("kvm", kvm_fpu, fcw); OFF("kvm", kvm_fpu, fsw); OFF("kvm", kvm_fpu, ftwx);
    OFF("kvm", kvm_fpu, pad1); OFF("kvm", kvm_fpu, last_opcode); OFF("kvm", kvm_fpu, last_ip);
    OFF("kvm", kvm_fpu, last_dp); OFF("kvm", kvm_fpu, xmm); OFF("kvm", kvm_fpu, mxcsr); OFF("kvm", kvm_fpu, pad2);

    SIZE("kvm", kvm_msr_entry);
    OFF("kvm", kvm_msr_entry, index); OFF("kvm", kvm_msr_entry, reserved); OFF("kvm", kvm_msr_entry, data);
    SIZE("kvm", kvm_msrs);
    OFF("kvm", kvm_msrs, nmsrs); OFF("kvm", kvm_msrs, pad); OFF("kvm", kvm_msrs, entries);

    SIZE("kvm", kvm_cpuid_entry2);
    OFF("kvm", kvm_cpuid_entry2, function); OFF("kvm", kvm_cpuid_entry2, index); OFF("kvm", kvm_cpuid_entry2, flags);
    OFF("kvm", kvm_cpuid_entry2, eax); OFF("kvm", kvm_cpuid_entry2, ebx); OFF("kvm", kvm_cpuid_entry2, ecx);
    OFF("kvm", kvm_cpuid_entry2, edx); OFF("kvm", kvm_cpuid_entry2, padding);
    SIZE("kvm", kvm_cpuid2);
    OFF("kvm", kvm_cpuid2, nent); OFF("kvm", kvm_cpuid2, padding); OFF("kvm", kvm_cpuid2, entries);

    SIZE("kvm", kvm_xcr);
    OFF("kvm", kvm_xcr, xcr); OFF("kvm", kvm_xcr, reserved); OFF("kvm", kvm_xcr, value);
    SIZE("kvm", kvm_xcrs);
    OFF("kvm", kvm_xcrs, nr_xcrs); OFF("kvm", kvm_xcrs, flags); OFF("kvm", kvm_xcrs, xcrs);
    OFF("kvm", kvm_xcrs, padding);

    SIZE("kvm", kvm_lapic_state);
    OFF("kvm", kvm_lapic_state, regs);

    SIZE("kvm", kvm_irqchip);
    OFF("kvm", kvm_irqchip, chip_id); OFF("kvm", kvm_irqchip, pad); OFF("kvm", kvm_irqchip, chip);

    SIZE("kvm", kvm_pit_config);
    OFF("kvm", kvm_pit_config, flags); OFF("kvm", kvm_pit_config, pad);

    SIZE("kvm", kvm_irq_level);
    OFF("kvm", kvm_irq_level, irq); OFF("kvm", kvm_irq_level, level);

    SIZE("kvm", kvm_irqfd);
    OFF("kvm", kvm_irqfd, fd); OFF("kvm", kvm_irqfd, gsi); OFF("kvm", kvm_irqfd, flags);
    OFF("kvm", kvm_irqfd, resamplefd); OFF("kvm", kvm_irqfd, pad);

    SIZE("kvm", kvm_ioeventfd);
    OFF("kvm", kvm_ioeventfd, datamatch); OFF("kvm", kvm_ioeventfd, addr); OFF("kvm", kvm_ioeventfd, len);
    OFF("kvm", kvm_ioeventfd, fd); OFF("kvm", kvm_ioeventfd, flags); OFF("kvm", kvm_ioeventfd, pad);

    SIZE("kvm", kvm_userspace_memory_region);
    OFF("kvm", kvm_userspace_memory_region, slot); OFF("kvm", kvm_userspace_memory_region, flags);
    OFF("kvm", kvm_userspace_memory_region, guest_phys_addr); OFF("kvm", kvm_userspace_memory_region, memory_size);
    OFF("kvm", kvm_userspace_memory_region, userspace_addr);

    SIZE("kvm", kvm_signal_mask);
    OFF("kvm", kvm_signal_mask, len); OFF("kvm", kvm_signal_mask, sigset);

    SIZE("kvm", kvm_run);
    OFF("kvm", kvm_run, request_interrupt_window); OFF("kvm", kvm_run, immediate_exit);
    OFF("kvm", kvm_run, padding1); OFF("kvm", kvm_run, exit_reason);
    OFF("kvm", kvm_run, ready_for_interrupt_injection); OFF("kvm", kvm_run, if_flag); OFF("kvm", kvm_run, flags);
    OFF("kvm", kvm_run, cr8); OFF("kvm", kvm_run, apic_base);
    OFF("kvm", kvm_run, io.direction); OFF("kvm", kvm_run, io.size); OFF("kvm", kvm_run, io.port);
    OFF("kvm", kvm_run, io.count); OFF("kvm", kvm_run, io.data_offset);
    OFF("kvm", kvm_run, mmio.phys_addr); OFF("kvm", kvm_run, mmio.data); OFF("kvm", kvm_run, mmio.len);
    OFF("kvm", kvm_run, mmio.is_write);
    OFF("kvm", kvm_run, system_event.type); OFF("kvm", kvm_run, system_event.ndata);
    OFF("kvm", kvm_run, system_event.data);
    OFF("kvm", kvm_run, internal.suberror); OFF("kvm", kvm_run, internal.ndata); OFF("kvm", kvm_run, internal.data);
    OFF("kvm", kvm_run, fail_entry.hardware_entry_failure_reason); OFF("kvm", kvm_run, fail_entry.cpu);
    OFF("kvm", kvm_run, padding);
    OFF("kvm", kvm_run, kvm_valid_regs); OFF("kvm", kvm_run, kvm_dirty_regs); OFF("kvm", kvm_run, s);
}

static void kvm_ioctls(void) {
    IOC("kvm", KVM_GET_API_VERSION); IOC("kvm", KVM_CREATE_VM); IOC("kvm", KVM_CHECK_EXTENSION);
    IOC("kvm", KVM_GET_VCPU_MMAP_SIZE); IOC("kvm", KVM_GET_SUPPORTED_CPUID); IOC("kvm", KVM_CREATE_VCPU);
    IOC("kvm", KVM_SET_USER_MEMORY_REGION); IOC("kvm", KVM_SET_TSS_ADDR); IOC("kvm", KVM_SET_IDENTITY_MAP_ADDR);
    IOC("kvm", KVM_CREATE_IRQCHIP); IOC("kvm", KVM_IRQ_LINE); IOC("kvm", KVM_GET_IRQCHIP); IOC("kvm", KVM_SET_IRQCHIP);
    IOC("kvm", KVM_IRQFD); IOC("kvm", KVM_CREATE_PIT2); IOC("kvm", KVM_IOEVENTFD); IOC("kvm", KVM_RUN);
    IOC("kvm", KVM_GET_REGS); IOC("kvm", KVM_SET_REGS); IOC("kvm", KVM_GET_SREGS); IOC("kvm", KVM_SET_SREGS);
    IOC("kvm", KVM_GET_MSRS); IOC("kvm", KVM_SET_MSRS); IOC("kvm", KVM_SET_SIGNAL_MASK); IOC("kvm", KVM_GET_FPU);
    IOC("kvm", KVM_SET_FPU); IOC("kvm", KVM_GET_LAPIC); IOC("kvm", KVM_SET_LAPIC); IOC("kvm", KVM_SET_CPUID2);
    IOC("kvm", KVM_GET_XCRS); IOC("kvm", KVM_SET_XCRS);
}

static void kvm_constants(void) {
    CONST("kvm", KVM_API_VERSION);
    CONST("kvm", KVM_EXIT_UNKNOWN); CONST("kvm", KVM_EXIT_IO); CONST("kvm", KVM_EXIT_HLT); CONST("kvm", KVM_EXIT_MMIO);
    CONST("kvm", KVM_EXIT_SHUTDOWN); CONST("kvm", KVM_EXIT_FAIL_ENTRY); CONST("kvm", KVM_EXIT_INTR);
    CONST("kvm", KVM_EXIT_INTERNAL_ERROR); CONST("kvm", KVM_EXIT_SYSTEM_EVENT);
    CONST("kvm", KVM_EXIT_IO_IN); CONST("kvm", KVM_EXIT_IO_OUT);
    CONST("kvm", KVM_SYSTEM_EVENT_SHUTDOWN); CONST("kvm", KVM_SYSTEM_EVENT_RESET); CONST("kvm", KVM_SYSTEM_EVENT_CRASH);
    CONST("kvm", KVM_INTERNAL_ERROR_EMULATION); CONST("kvm", KVM_INTERNAL_ERROR_SIMUL_EX);
    CONST("kvm", KVM_INTERNAL_ERROR_DELIVERY_EV); CONST("kvm", KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
    CONST("kvm", KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
    CONST("kvm", KVM_PIT_SPEAKER_DUMMY); CONST("kvm", KVM_IRQFD_FLAG_DEASSIGN);
    CONST("kvm", KVM_IOEVENTFD_FLAG_DATAMATCH); CONST("kvm", KVM_IOEVENTFD_FLAG_PIO);
    CONST("kvm", KVM_IOEVENTFD_FLAG_DEASSIGN);
    CONST("kvm", KVM_CAP_IRQCHIP); CONST("kvm", KVM_CAP_HLT); CONST("kvm", KVM_CAP_USER_MEMORY);
    CONST("kvm", KVM_CAP_SET_TSS_ADDR); CONST("kvm", KVM_CAP_EXT_CPUID); CONST("kvm", KVM_CAP_NR_VCPUS);
    CONST("kvm", KVM_CAP_NR_MEMSLOTS); CONST("kvm", KVM_CAP_PIT); CONST("kvm", KVM_CAP_SYNC_MMU);
    CONST("kvm", KVM_CAP_IOEVENTFD); CONST("kvm", KVM_CAP_SET_IDENTITY_MAP_ADDR); CONST("kvm", KVM_CAP_ADJUST_CLOCK);
    CONST("kvm", KVM_CAP_IRQFD); CONST("kvm", KVM_CAP_PIT2); CONST("kvm", KVM_CAP_PIT_STATE2);
    CONST("kvm", KVM_CAP_SIGNAL_MSI); CONST("kvm", KVM_CAP_IMMEDIATE_EXIT); CONST("kvm", KVM_CAP_MAX_VCPUS);
    CONST("kvm", KVM_CAP_XCRS); CONST("kvm", KVM_MAX_XCRS);
}

static void sys_layouts(void) {
    SIZE("sys", epoll_event);
    OFF("sys", epoll_event, events); OFF("sys", epoll_event, data);
    SIZE("sys", sigaction);
    OFF("sys", sigaction, sa_handler); OFF("sys", sigaction, sa_mask); OFF("sys", sigaction, sa_flags);
    printf("sizeof sys sigset_t %zu\n", sizeof(sigset_t));
    SIZE("sys", timespec);
    SIZE("sys", ifreq);
    OFF("sys", ifreq, ifr_name); OFF("sys", ifreq, ifr_flags);
    IOC("sys", TUNSETIFF); IOC("sys", TUNSETOFFLOAD); IOC("sys", TUNSETVNETHDRSZ);
    CONST("sys", O_RDONLY); CONST("sys", O_WRONLY); CONST("sys", O_RDWR); CONST("sys", O_NONBLOCK);
    CONST("sys", O_CLOEXEC);
    CONST("sys", PROT_READ); CONST("sys", PROT_WRITE); CONST("sys", MAP_SHARED); CONST("sys", MAP_PRIVATE);
    CONST("sys", MAP_ANONYMOUS); CONST("sys", MAP_NORESERVE); CONST("sys", MADV_DONTNEED);
    CONST("sys", MADV_DONTFORK); CONST("sys", MADV_MERGEABLE); CONST("sys", MADV_DONTDUMP);
    CONST("sys", MFD_CLOEXEC); CONST("sys", MFD_ALLOW_SEALING);
    CONST("sys", EFD_NONBLOCK); CONST("sys", EFD_CLOEXEC);
    CONST("sys", EPOLL_CLOEXEC); CONST("sys", EPOLL_CTL_ADD); CONST("sys", EPOLL_CTL_DEL); CONST("sys", EPOLL_CTL_MOD);
    CONST("sys", EPOLLIN); CONST("sys", EPOLLOUT); CONST("sys", EPOLLERR); CONST("sys", EPOLLHUP);
    CONST("sys", EPOLLRDHUP); CONST("sys", EPOLLET);
    CONST("sys", SIG_BLOCK); CONST("sys", SIG_UNBLOCK); CONST("sys", SIG_IGN);
    CONST("sys", IFNAMSIZ); CONST("sys", IFF_TAP); CONST("sys", IFF_NO_PI); CONST("sys", IFF_VNET_HDR);
    CONST("sys", TUN_F_CSUM); CONST("sys", TUN_F_TSO4); CONST("sys", TUN_F_TSO6); CONST("sys", TUN_F_TSO_ECN);
    CONST("sys", TUN_F_UFO);
    CONST("sys", CLONE_NEWNET);
}

static void errno_values(void) {
    CONST("errno", EPERM); CONST("errno", ENOENT); CONST("errno", ESRCH); CONST("errno", EINTR); CONST("errno", EIO);
    CONST("errno", ENXIO); CONST("errno", E2BIG); CONST("errno", ENOEXEC); CONST("errno", EBADF);
    CONST("errno", ECHILD); CONST("errno", EAGAIN); CONST("errno", ENOMEM); CONST("errno", EACCES);
    CONST("errno", EFAULT); CONST("errno", EBUSY); CONST("errno", EEXIST); CONST("errno", EXDEV);
    CONST("errno", ENODEV); CONST("errno", ENOTDIR); CONST("errno", EISDIR); CONST("errno", EINVAL);
    CONST("errno", ENFILE); CONST("errno", EMFILE); CONST("errno", ENOTTY); CONST("errno", EFBIG);
    CONST("errno", ENOSPC); CONST("errno", ESPIPE); CONST("errno", EROFS); CONST("errno", EMLINK);
    CONST("errno", EPIPE); CONST("errno", ERANGE); CONST("errno", EDEADLK); CONST("errno", ENAMETOOLONG);
    CONST("errno", ENOSYS); CONST("errno", ELOOP); CONST("errno", ENODATA); CONST("errno", EOVERFLOW);
    CONST("errno", EOPNOTSUPP); CONST("errno", EADDRINUSE); CONST("errno", ENETDOWN); CONST("errno", ECONNRESET);
    CONST("errno", ENOBUFS); CONST("errno", ETIMEDOUT); CONST("errno", ECONNREFUSED); CONST("errno", EHOSTUNREACH);
    CONST("errno", EALREADY); CONST("errno", EINPROGRESS); CONST("errno", ENOMEDIUM); CONST("errno", ECANCELED);
}

int main(void) {
    kvm_structs();
    kvm_ioctls();
    kvm_constants();
    sys_layouts();
    errno_values();
    return 0;
}
