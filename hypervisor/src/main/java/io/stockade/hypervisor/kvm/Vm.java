package io.stockade.hypervisor.kvm;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.GuestRegion;
import io.stockade.hypervisor.sys.EventFd;
import io.stockade.hypervisor.sys.FileDescriptors;
import io.stockade.hypervisor.sys.Ioctl;
import io.stockade.hypervisor.sys.Mmap;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.stockade.hypervisor.kvm.KvmStructs.IRQCHIP_STATE_BYTES;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IOEVENTFD;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQCHIP;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQFD;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_IRQ_LEVEL;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_PIT_CONFIG;
import static io.stockade.hypervisor.kvm.KvmStructs.KVM_USERSPACE_MEMORY_REGION;
import static io.stockade.hypervisor.kvm.KvmStructs.offset;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One KVM virtual machine (a VM fd): guest memory slots, the in-kernel interrupt controllers and PIT, eventfd
 * wiring for interrupts and doorbells, and vCPU creation. Thread-safe, as the underlying ioctls are.
 */
public final class Vm implements AutoCloseable {
    static final int PIT_SPEAKER_DUMMY = 1;
    static final int IRQFD_FLAG_DEASSIGN = 1;
    static final int IOEVENTFD_FLAG_DATAMATCH = 1;
    static final int IOEVENTFD_FLAG_PIO = 1 << 1;
    static final int IOEVENTFD_FLAG_DEASSIGN = 1 << 2;

    private final int fd;
    private final int vcpuMmapSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    Vm(int fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    public int fd() {
        return fd;
    }

    /** KVM_SET_TSS_ADDR: three pages of guest-physical space, outside RAM, that Intel VMX needs for real mode. */
    public void setTssAddress(long gpa) {
        Ioctl.call(fd, describe(), KvmIoctls.SET_TSS_ADDR, gpa);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page of guest-physical space, outside RAM, for VMX's real-mode page table. */
    public void setIdentityMapAddress(long gpa) {
        try (Arena arena = Arena.ofConfined()) {
            Ioctl.call(fd, describe(), KvmIoctls.SET_IDENTITY_MAP_ADDR, arena.allocateFrom(JAVA_LONG, gpa));
        }
    }

    /** KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and a local APIC per vCPU; before any vCPU is created. */
    public void createIrqchip() {
        Ioctl.call(fd, describe(), KvmIoctls.CREATE_IRQCHIP, 0L);
    }

    /** KVM_CREATE_PIT2: the in-kernel i8254, with the PC speaker port stubbed (the guest may poke it). */
    public void createPit2() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment config = arena.allocate(KVM_PIT_CONFIG);
            config.set(JAVA_INT, offset(KVM_PIT_CONFIG, "flags"), PIT_SPEAKER_DUMMY);
            Ioctl.call(fd, describe(), KvmIoctls.CREATE_PIT2, config);
        }
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: backs {@code [gpa, gpa + host.byteSize())} with {@code host}. A zero-size segment
     * deletes the slot. The host memory must stay mapped as long as the VM may run.
     */
    public void setUserMemoryRegion(int slot, long gpa, MemorySegment host) {
        long size = host.byteSize();
        if (slot < 0 || gpa < 0 || (gpa | size | host.address()) % 4096 != 0) {
            throw new IllegalArgumentException("memory slot " + slot + ": guest address 0x" + Long.toHexString(gpa)
                    + ", size 0x" + Long.toHexString(size) + " and host address 0x" + Long.toHexString(host.address())
                    + " must be page-aligned and the slot non-negative");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(KVM_USERSPACE_MEMORY_REGION);
            region.set(JAVA_INT, offset(KVM_USERSPACE_MEMORY_REGION, "slot"), slot);
            region.set(JAVA_LONG, offset(KVM_USERSPACE_MEMORY_REGION, "guest_phys_addr"), gpa);
            region.set(JAVA_LONG, offset(KVM_USERSPACE_MEMORY_REGION, "memory_size"), size);
            region.set(JAVA_LONG, offset(KVM_USERSPACE_MEMORY_REGION, "userspace_addr"), host.address());
            Ioctl.call(fd, describe() + " (slot " + slot + " at 0x" + Long.toHexString(gpa) + ")",
                    KvmIoctls.SET_USER_MEMORY_REGION, region);
        }
    }

    /** Registers every region of {@code memory} as memory slots {@code 0..n-1}, in guest-address order. */
    public void registerMemory(GuestMemory memory) {
        List<GuestRegion> regions = memory.regions();
        for (int slot = 0; slot < regions.size(); slot++) {
            GuestRegion r = regions.get(slot);
            setUserMemoryRegion(slot, r.guestAddress(), r.hostSegment());
        }
    }

    /** KVM_IRQFD: a write to {@code eventFd} raises guest interrupt line {@code gsi} (edge) without a VM exit. */
    public void registerIrqfd(EventFd eventFd, int gsi) {
        irqfd(eventFd, gsi, 0);
    }

    public void unregisterIrqfd(EventFd eventFd, int gsi) {
        irqfd(eventFd, gsi, IRQFD_FLAG_DEASSIGN);
    }

    /**
     * KVM_IOEVENTFD: a guest write to {@code address} (a port if {@code pio}, else MMIO) signals {@code eventFd}
     * instead of exiting to the VMM.
     *
     * @param length    0 (any length, MMIO only), 1, 2, 4 or 8 bytes
     * @param datamatch only writes of this value signal, if present
     */
    public void registerIoeventfd(EventFd eventFd, long address, int length, boolean pio, OptionalLong datamatch) {
        ioeventfd(eventFd, address, length, pio, datamatch, 0);
    }

    /** Undoes {@link #registerIoeventfd} with the same arguments. */
    public void unregisterIoeventfd(EventFd eventFd, long address, int length, boolean pio, OptionalLong datamatch) {
        ioeventfd(eventFd, address, length, pio, datamatch, IOEVENTFD_FLAG_DEASSIGN);
    }

    /** KVM_IRQ_LINE: drives a level on interrupt line {@code irq} (for level-triggered legacy devices). */
    public void setIrqLine(int irq, boolean level) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment irqLevel = arena.allocate(KVM_IRQ_LEVEL);
            irqLevel.set(JAVA_INT, offset(KVM_IRQ_LEVEL, "irq"), irq);
            irqLevel.set(JAVA_INT, offset(KVM_IRQ_LEVEL, "level"), level ? 1 : 0);
            Ioctl.call(fd, describe() + " (irq " + irq + ")", KvmIoctls.IRQ_LINE, irqLevel);
        }
    }

    /**
     * KVM_GET_IRQCHIP: the raw state of an in-kernel interrupt controller (0 = master PIC, 1 = slave PIC,
     * 2 = IOAPIC), 512 bytes.
     */
    public byte[] getIrqchip(int chipId) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chip = arena.allocate(KVM_IRQCHIP);
            chip.set(JAVA_INT, offset(KVM_IRQCHIP, "chip_id"), chipId);
            Ioctl.call(fd, describe() + " (irqchip " + chipId + ")", KvmIoctls.GET_IRQCHIP, chip);
            return chip.asSlice(offset(KVM_IRQCHIP, "chip"), IRQCHIP_STATE_BYTES).toArray(JAVA_BYTE);
        }
    }

    /** KVM_SET_IRQCHIP: restores state from {@link #getIrqchip(int)}. */
    public void setIrqchip(int chipId, byte[] state) {
        if (state.length != IRQCHIP_STATE_BYTES) {
            throw new IllegalArgumentException("irqchip " + chipId + " state must be " + IRQCHIP_STATE_BYTES
                    + " bytes, got " + state.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chip = arena.allocate(KVM_IRQCHIP);
            chip.set(JAVA_INT, offset(KVM_IRQCHIP, "chip_id"), chipId);
            MemorySegment.copy(state, 0, chip, JAVA_BYTE, offset(KVM_IRQCHIP, "chip"), state.length);
            Ioctl.call(fd, describe() + " (irqchip " + chipId + ")", KvmIoctls.SET_IRQCHIP, chip);
        }
    }

    /** KVM_CREATE_VCPU, and maps its kvm_run page; the id is also its initial APIC id. */
    public Vcpu createVcpu(int id) {
        int vcpuFd = Ioctl.call(fd, describe(), KvmIoctls.CREATE_VCPU, id);
        String name = "vcpu " + id + " fd " + vcpuFd;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment run = Mmap.map(vcpuFd, 0, vcpuMmapSize, Mmap.MAP_SHARED, arena, name + " kvm_run");
            return new Vcpu(id, vcpuFd, arena, run);
        } catch (RuntimeException e) {
            arena.close();
            try {
                FileDescriptors.close(vcpuFd, name);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Closes the VM fd; idempotent. The kernel tears the VM down once its vCPU fds are closed too. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, describe());
        }
    }

    private void irqfd(EventFd eventFd, int gsi, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment irqfd = arena.allocate(KVM_IRQFD);
            irqfd.set(JAVA_INT, offset(KVM_IRQFD, "fd"), eventFd.fd());
            irqfd.set(JAVA_INT, offset(KVM_IRQFD, "gsi"), gsi);
            irqfd.set(JAVA_INT, offset(KVM_IRQFD, "flags"), flags);
            Ioctl.call(fd, describe() + " (" + eventFd + " -> gsi " + gsi + ")", KvmIoctls.IRQFD, irqfd);
        }
    }

    private void ioeventfd(EventFd eventFd, long address, int length, boolean pio, OptionalLong datamatch, int flags) {
        if (length != 0 && length != 1 && length != 2 && length != 4 && length != 8 || length == 0 && pio) {
            throw new IllegalArgumentException("ioeventfd at 0x" + Long.toHexString(address) + ": length " + length
                    + " is not 1, 2, 4, 8 (or 0 for MMIO)");
        }
        if (datamatch.isPresent() && length == 0) {
            throw new IllegalArgumentException("ioeventfd at 0x" + Long.toHexString(address)
                    + ": a data match needs a length");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ioeventfd = arena.allocate(KVM_IOEVENTFD);
            ioeventfd.set(JAVA_LONG, offset(KVM_IOEVENTFD, "datamatch"), datamatch.orElse(0));
            ioeventfd.set(JAVA_LONG, offset(KVM_IOEVENTFD, "addr"), address);
            ioeventfd.set(JAVA_INT, offset(KVM_IOEVENTFD, "len"), length);
            ioeventfd.set(JAVA_INT, offset(KVM_IOEVENTFD, "fd"), eventFd.fd());
            ioeventfd.set(JAVA_INT, offset(KVM_IOEVENTFD, "flags"), flags
                    | (pio ? IOEVENTFD_FLAG_PIO : 0) | (datamatch.isPresent() ? IOEVENTFD_FLAG_DATAMATCH : 0));
            Ioctl.call(fd, describe() + " (" + eventFd + " at " + (pio ? "port" : "mmio") + " 0x"
                    + Long.toHexString(address) + ")", KvmIoctls.IOEVENTFD, ioeventfd);
        }
    }

    private String describe() {
        return "vm fd " + fd;
    }
}
