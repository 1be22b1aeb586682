package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.arch.x86_64.acpi.AcpiTables;
import io.stockade.hypervisor.kvm.Registers;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.GuestRegion;
import io.stockade.hypervisor.memory.RegionSpec;
import java.nio.file.Path;
import java.util.List;

/**
 * Prepares guest memory for a Linux 64-bit boot: loads the kernel and initrd, writes the command line, the zero
 * page (setup header, initrd location, e820 map, ACPI RSDP address), identity page tables, the GDT/IDT, the MP
 * table and the ACPI tables (with a DSDT entry per virtio-mmio device), and returns the boot vCPU's initial registers.
 *
 * <p>Both the MP table and ACPI are always written: a kernel with ACPI (the default) takes CPUs and interrupt
 * routing from the MADT and can power off through the FADT's sleep register; one booted with {@code acpi=off}, or
 * built without ACPI, falls back to the MP table. The two describe the same CPUs and routing.
 */
public final class BootSetup {
    /** RFLAGS bit 1 is reserved and always set; interrupts stay off until the kernel enables them. */
    static final long INITIAL_RFLAGS = 0x2;

    private BootSetup() {}

    /**
     * Prepares {@code memory}, which must have been laid out by {@link MemoryLayout#ramRegions} for
     * {@code config.ramBytes()}.
     *
     * @throws BootSetupException if the kernel, command line or initrd cannot be used (naming which and why)
     * @throws java.io.UncheckedIOException if the kernel or initrd cannot be read
     */
    public static BootState prepare(GuestMemory memory, BootConfig config) {
        requireLayout(memory, config.ramBytes());
        KernelImage kernel = LinuxLoader.load(memory, config.kernel());
        writeCommandLine(memory, config.cmdline(), kernel);
        Initrd initrd = config.initrd().map(path -> loadInitrd(memory, path, kernel)).orElse(null);
        List<E820Entry> e820 = E820Entry.mapOf(memory.regions());
        long rsdp = AcpiTables.write(memory, config.vcpus(), config.virtioDevices());
        memory.write(MemoryLayout.ZERO_PAGE_ADDRESS,
                ZeroPage.build(kernel.setupHeader(), MemoryLayout.CMDLINE_ADDRESS, initrd, e820, rsdp));
        long pageTableRoot = IdentityPageTables.write(memory);
        Gdt.write(memory);
        MpTable.write(memory, config.vcpus());

        Registers registers = new Registers(0, 0, 0, 0,
                MemoryLayout.ZERO_PAGE_ADDRESS, 0, MemoryLayout.BOOT_STACK_POINTER, MemoryLayout.BOOT_STACK_POINTER,
                0, 0, 0, 0, 0, 0, 0, 0,
                kernel.entryPoint(), INITIAL_RFLAGS);
        return new BootState(registers, pageTableRoot, MemoryLayout.GDT_ADDRESS, Gdt.LIMIT, MemoryLayout.IDT_ADDRESS,
                Gdt.IDT_LIMIT, MemoryLayout.ZERO_PAGE_ADDRESS, kernel);
    }

    private static void requireLayout(GuestMemory memory, long ramBytes) {
        List<RegionSpec> expected = MemoryLayout.ramRegions(ramBytes);
        List<RegionSpec> actual = memory.regions().stream()
                .map(r -> new RegionSpec(r.guestAddress(), r.size()))
                .toList();
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException("guest memory regions " + actual + " are not the layout "
                    + expected + " for " + ramBytes + " bytes of RAM");
        }
    }

    private static void writeCommandLine(GuestMemory memory, String cmdline, KernelImage kernel) {
        byte[] bytes = BootConfig.cmdlineBytes(cmdline);
        long kernelLimit = kernel.setupHeader().cmdlineSize();
        if (bytes.length > kernelLimit) {
            throw new BootSetupException("kernel command line is " + bytes.length + " bytes; kernel " + kernel.path()
                    + " accepts at most " + kernelLimit + " (setup header cmdline_size)");
        }
        memory.write(MemoryLayout.CMDLINE_ADDRESS, bytes);
        memory.writeByte(MemoryLayout.CMDLINE_ADDRESS + bytes.length, (byte) 0);
    }

    private static Initrd loadInitrd(GuestMemory memory, Path path, KernelImage kernel) {
        GuestRegion low = memory.regions().getFirst();
        try (BootFile file = BootFile.openInitrd(path)) {
            Initrd initrd;
            try {
                initrd = Initrd.place(file.size(), low.end(), kernel.setupHeader().initrdAddrMax(), kernel.endAddress());
            } catch (BootSetupException e) {
                throw new BootSetupException(path + ": " + e.getMessage());
            }
            file.copyToGuest(0, initrd.size(), memory, initrd.address(), "initrd");
            return initrd;
        }
    }
}
