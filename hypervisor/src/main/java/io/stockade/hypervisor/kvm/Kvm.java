package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.Ioctl;
import io.stockade.hypervisor.sys.LinuxException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stockade.hypervisor.kvm.KvmStructs.KVM_CPUID2;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_CPUID_ENTRY2;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * An open {@code /dev/kvm}: checks that KVM is usable, answers capability questions and creates VMs. VMs outlive
 * the {@code Kvm} they came from (the kernel keeps its own reference), so it may be closed once they exist.
 */
public final class Kvm implements AutoCloseable {
    /** The only KVM API version there has ever been in mainline Linux. */
    public static final int EXPECTED_API_VERSION = 12;
    /** What the Stockade VMM relies on: in-kernel irqchip and PIT, eventfd wiring, and race-free kicks. */
    public static final List<Capability> REQUIRED_CAPABILITIES = List.of(Capability.IRQCHIP, Capability.USER_MEMORY,
            Capability.SET_TSS_ADDR, Capability.SET_IDENTITY_MAP_ADDR, Capability.EXT_CPUID, Capability.SYNC_MMU,
            Capability.PIT2, Capability.IRQFD, Capability.IOEVENTFD, Capability.IMMEDIATE_EXIT);
    static final String DEFAULT_DEVICE = "/dev/kvm";
    private static final int MAX_CPUID_ENTRIES = 4096;

    private final String device;
    private final int fd;
    private final int apiVersion;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Kvm(String device, int fd, int apiVersion) {
        this.device = device;
        this.fd = fd;
        this.apiVersion = apiVersion;
    }

    /**
     * Opens {@code /dev/kvm} and checks its API version.
     *
     * @throws KvmUnavailableException with an explanation if KVM cannot be used
     */
    public static Kvm open() {
        return open(DEFAULT_DEVICE);
    }

    static Kvm open(String device) {
        int fd;
        try {
            fd = FileDescriptors.open(device, FileDescriptors.O_RDWR | FileDescriptors.O_CLOEXEC);
        } catch (LinuxException e) {
            throw new KvmUnavailableException(explainOpenFailure(device, e), e);
        }
        try {
            int version = Ioctl.call(fd, device + " fd " + fd, KvmIoctls.GET_API_VERSION, 0L);
            if (version != EXPECTED_API_VERSION) {
                throw new KvmUnavailableException(device + " reports KVM API version " + version + ", but Stockade needs "
                        + EXPECTED_API_VERSION);
            }
            return new Kvm(device, fd, version);
        } catch (LinuxException e) {
            closeQuietly(fd, device, e);
            throw new KvmUnavailableException(device + " is not a KVM device: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(fd, device, e);
            throw e;
        }
    }

    public int apiVersion() {
        return apiVersion;
    }

    /** KVM_CHECK_EXTENSION: whether the capability is present (a positive answer). */
    public boolean hasCapability(Capability capability) {
        return capabilityValue(capability) > 0;
    }

    /** KVM_CHECK_EXTENSION's raw answer; some capabilities report a number (KVM_CAP_NR_MEMSLOTS, KVM_CAP_MAX_VCPUS). */
    public int capabilityValue(Capability capability) {
        return Ioctl.call(fd, describe(), KvmIoctls.CHECK_EXTENSION, capability.number());
    }

    /** @throws KvmUnavailableException naming the capability if KVM lacks it */
    public void requireCapability(Capability capability) {
        if (!hasCapability(capability)) {
            throw new KvmUnavailableException("KVM on " + device + " lacks " + capability.kernelName() + " ("
                    + capability.number() + "), which Stockade needs; the host kernel is too old or KVM is restricted");
        }
    }

    /** @throws KvmUnavailableException naming every missing capability */
    public void requireCapabilities(Collection<Capability> capabilities) {
        List<String> missing = new ArrayList<>();
        for (Capability c : capabilities) {
            if (!hasCapability(c)) {
                missing.add(c.kernelName() + " (" + c.number() + ")");
            }
        }
        if (!missing.isEmpty()) {
            throw new KvmUnavailableException("KVM on " + device + " lacks " + String.join(", ", missing)
                    + ", which Stockade needs; the host kernel is too old or KVM is restricted");
        }
    }

    /** KVM_GET_SUPPORTED_CPUID: every CPUID leaf KVM can present to a guest on this host. */
    public List<CpuidEntry> supportedCpuid() {
        int capacity = 128;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment cpuid = arena.allocate(KVM_CPUID2.byteSize() + capacity * KVM_CPUID_ENTRY2.byteSize(), 8);
                cpuid.set(JAVA_INT, 0, capacity);
                try {
                    Ioctl.call(fd, describe(), KvmIoctls.GET_SUPPORTED_CPUID, cpuid);
                } catch (LinuxException e) {
                    // E2BIG: the buffer is too small; KVM does not say how big it must be.
                    if (e.is(Errno.E2BIG) && capacity < MAX_CPUID_ENTRIES) {
                        capacity *= 2;
                        continue;
                    }
                    throw e;
                }
                return CpuidCodec.read(cpuid);
            }
        }
    }

    /** KVM_GET_VCPU_MMAP_SIZE: bytes to map from each vCPU fd (kvm_run plus extra pages). */
    public int vcpuMmapSize() {
        return Ioctl.call(fd, describe(), KvmIoctls.GET_VCPU_MMAP_SIZE, 0L);
    }

    /** KVM_CREATE_VM with the default machine type. */
    public Vm createVm() {
        int mmapSize = vcpuMmapSize();
        int vmFd = Ioctl.call(fd, describe(), KvmIoctls.CREATE_VM, 0L);
        return new Vm(vmFd, mmapSize);
    }

    /** Closes /dev/kvm; idempotent. VMs already created stay usable. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, describe());
        }
    }

    private String describe() {
        return device + " fd " + fd;
    }

    private static String explainOpenFailure(String device, LinuxException e) {
        if (e.is(Errno.ENOENT)) {
            return device + " does not exist: this machine offers no KVM. Load kvm_intel or kvm_amd, and if this is "
                    + "itself a virtual machine, enable nested virtualization on its host (" + e.getMessage() + ")";
        }
        if (e.is(Errno.EACCES) || e.is(Errno.EPERM)) {
            return "no permission to open " + device + ": run as root or add the user to the group owning it, "
                    + "usually 'kvm' (" + e.getMessage() + ")";
        }
        return "cannot open " + device + ": " + e.getMessage();
    }

    private static void closeQuietly(int fd, String device, RuntimeException pending) {
        try {
            FileDescriptors.close(fd, device + " fd " + fd);
        } catch (RuntimeException e) {
            pending.addSuppressed(e);
        }
    }
}
