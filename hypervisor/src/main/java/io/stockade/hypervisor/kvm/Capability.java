package io.stockade.hypervisor.kvm;

/** The KVM capabilities the VMM asks about ({@code KVM_CAP_*} from linux/kvm.h), with their numbers. */
public enum Capability {
    IRQCHIP(0),
    HLT(1),
    USER_MEMORY(3),
    SET_TSS_ADDR(4),
    EXT_CPUID(7),
    NR_VCPUS(9),
    NR_MEMSLOTS(10),
    PIT(11),
    SYNC_MMU(16),
    IOEVENTFD(36),
    SET_IDENTITY_MAP_ADDR(37),
    ADJUST_CLOCK(39),
    IRQFD(32),
    PIT2(33),
    PIT_STATE2(35),
    SIGNAL_MSI(77),
    XCRS(56),
    IMMEDIATE_EXIT(136),
    MAX_VCPUS(66);

    private final int number;

    Capability(int number) {
        this.number = number;
    }

    /** The KVM_CAP_* value passed to KVM_CHECK_EXTENSION. */
    public int number() {
        return number;
    }

    /** The constant's name as written in linux/kvm.h. */
    public String kernelName() {
        return "KVM_CAP_" + name();
    }
}
