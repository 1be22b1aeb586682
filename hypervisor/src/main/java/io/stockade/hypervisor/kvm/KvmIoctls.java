package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.sys.IoctlRequest;

import java.util.List;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_CPUID2;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_FPU;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IOEVENTFD;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQCHIP;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQFD;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQ_LEVEL;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_LAPIC_STATE;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_MSRS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_PIT_CONFIG;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_REGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SIGNAL_MASK;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_SREGS;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_USERSPACE_MEMORY_REGION;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_XCRS;

/** The KVM ioctl requests the VMM issues, encoded from linux/kvm.h's definitions (type 0xAE, "KVMIO"). */
final class KvmIoctls {
    private static final int KVMIO = 0xAE;

    private KvmIoctls() {}

    // on /dev/kvm
    static final IoctlRequest GET_API_VERSION = IoctlRequest.io("KVM_GET_API_VERSION", KVMIO, 0x00);
    static final IoctlRequest CREATE_VM = IoctlRequest.io("KVM_CREATE_VM", KVMIO, 0x01);
    static final IoctlRequest CHECK_EXTENSION = IoctlRequest.io("KVM_CHECK_EXTENSION", KVMIO, 0x03);
    static final IoctlRequest GET_VCPU_MMAP_SIZE = IoctlRequest.io("KVM_GET_VCPU_MMAP_SIZE", KVMIO, 0x04);
    static final IoctlRequest GET_SUPPORTED_CPUID =
            IoctlRequest.iowr("KVM_GET_SUPPORTED_CPUID", KVMIO, 0x05, KVM_CPUID2.byteSize());

    // on a VM fd
    static final IoctlRequest CREATE_VCPU = IoctlRequest.io("KVM_CREATE_VCPU", KVMIO, 0x41);
    static final IoctlRequest SET_USER_MEMORY_REGION =
            IoctlRequest.iow("KVM_SET_USER_MEMORY_REGION", KVMIO, 0x46, KVM_USERSPACE_MEMORY_REGION.byteSize());
    static final IoctlRequest SET_TSS_ADDR = IoctlRequest.io("KVM_SET_TSS_ADDR", KVMIO, 0x47);
    static final IoctlRequest SET_IDENTITY_MAP_ADDR =
            IoctlRequest.iow("KVM_SET_IDENTITY_MAP_ADDR", KVMIO, 0x48, Long.BYTES);
    static final IoctlRequest CREATE_IRQCHIP = IoctlRequest.io("KVM_CREATE_IRQCHIP", KVMIO, 0x60);
    static final IoctlRequest IRQ_LINE = IoctlRequest.iow("KVM_IRQ_LINE", KVMIO, 0x61, KVM_IRQ_LEVEL.byteSize());
    static final IoctlRequest GET_IRQCHIP = IoctlRequest.iowr("KVM_GET_IRQCHIP", KVMIO, 0x62, KVM_IRQCHIP.byteSize());
    // The kernel header really declares KVM_SET_IRQCHIP with _IOR.
    static final IoctlRequest SET_IRQCHIP = IoctlRequest.ior("KVM_SET_IRQCHIP", KVMIO, 0x63, KVM_IRQCHIP.byteSize());
    static final IoctlRequest IRQFD = IoctlRequest.iow("KVM_IRQFD", KVMIO, 0x76, KVM_IRQFD.byteSize());
    static final IoctlRequest CREATE_PIT2 = IoctlRequest.iow("KVM_CREATE_PIT2", KVMIO, 0x77, KVM_PIT_CONFIG.byteSize());
    static final IoctlRequest IOEVENTFD = IoctlRequest.iow("KVM_IOEVENTFD", KVMIO, 0x79, KVM_IOEVENTFD.byteSize());

    // on a vCPU fd
    static final IoctlRequest RUN = IoctlRequest.io("KVM_RUN", KVMIO, 0x80);
    static final IoctlRequest GET_REGS = IoctlRequest.ior("KVM_GET_REGS", KVMIO, 0x81, KVM_REGS.byteSize());
    static final IoctlRequest SET_REGS = IoctlRequest.iow("KVM_SET_REGS", KVMIO, 0x82, KVM_REGS.byteSize());
    static final IoctlRequest GET_SREGS = IoctlRequest.ior("KVM_GET_SREGS", KVMIO, 0x83, KVM_SREGS.byteSize());
    static final IoctlRequest SET_SREGS = IoctlRequest.iow("KVM_SET_SREGS", KVMIO, 0x84, KVM_SREGS.byteSize());
    static final IoctlRequest GET_MSRS = IoctlRequest.iowr("KVM_GET_MSRS", KVMIO, 0x88, KVM_MSRS.byteSize());
    static final IoctlRequest SET_MSRS = IoctlRequest.iow("KVM_SET_MSRS", KVMIO, 0x89, KVM_MSRS.byteSize());
    static final IoctlRequest SET_SIGNAL_MASK =
            IoctlRequest.iow("KVM_SET_SIGNAL_MASK", KVMIO, 0x8b, KVM_SIGNAL_MASK.byteSize());
    static final IoctlRequest GET_FPU = IoctlRequest.ior("KVM_GET_FPU", KVMIO, 0x8c, KVM_FPU.byteSize());
    static final IoctlRequest SET_FPU = IoctlRequest.iow("KVM_SET_FPU", KVMIO, 0x8d, KVM_FPU.byteSize());
    static final IoctlRequest GET_LAPIC = IoctlRequest.ior("KVM_GET_LAPIC", KVMIO, 0x8e, KVM_LAPIC_STATE.byteSize());
    static final IoctlRequest SET_LAPIC = IoctlRequest.iow("KVM_SET_LAPIC", KVMIO, 0x8f, KVM_LAPIC_STATE.byteSize());
    static final IoctlRequest SET_CPUID2 = IoctlRequest.iow("KVM_SET_CPUID2", KVMIO, 0x90, KVM_CPUID2.byteSize());
    static final IoctlRequest GET_XCRS = IoctlRequest.ior("KVM_GET_XCRS", KVMIO, 0xa6, KVM_XCRS.byteSize());
    static final IoctlRequest SET_XCRS = IoctlRequest.iow("KVM_SET_XCRS", KVMIO, 0xa7, KVM_XCRS.byteSize());

    /** Every request above, for the layout-oracle test. */
    static final List<IoctlRequest> ALL = List.of(GET_API_VERSION, CREATE_VM, CHECK_EXTENSION, GET_VCPU_MMAP_SIZE,
            GET_SUPPORTED_CPUID, CREATE_VCPU, SET_USER_MEMORY_REGION, SET_TSS_ADDR, SET_IDENTITY_MAP_ADDR,
            CREATE_IRQCHIP, IRQ_LINE, GET_IRQCHIP, SET_IRQCHIP, IRQFD, CREATE_PIT2, IOEVENTFD, RUN, GET_REGS, SET_REGS,
            GET_SREGS, SET_SREGS, GET_MSRS, SET_MSRS, SET_SIGNAL_MASK, GET_FPU, SET_FPU, GET_LAPIC, SET_LAPIC,
            SET_CPUID2, GET_XCRS, SET_XCRS);
}
