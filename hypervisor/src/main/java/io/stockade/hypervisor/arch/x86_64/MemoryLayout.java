package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.RegionSpec;
import java.util.List;

/**
 * The guest-physical address map of a Stockade x86_64 microVM: where the boot structures live in the first
 * megabyte, where the kernel goes, where the 32-bit MMIO hole (IOAPIC, LAPIC, virtio-mmio devices) sits, and how RAM
 * is split around that hole.
 *
 * <pre>
 * 0x0000_0500  GDT (4 entries)            0x0000_0520  IDT (empty)
 * 0x0000_7000  zero page (boot_params)    0x0000_8ff0  initial stack pointer (grows down)
 * 0x0000_9000  PML4   0x0000_a000 PDPT    0x0000_b000  4 page directories (identity map of the first 4 GiB)
 * 0x0002_0000  kernel command line        0x0009_fc00  EBDA: MP table (reserved up to 1 MiB)
 * 0x000e_0000  ACPI: RSDP, XSDT, FADT, MADT, DSDT (BIOS area, reserved)
 * 0x0010_0000  kernel (bzImage payload; ELF segments at their p_paddr)      ... RAM up to min(RAM, 3 GiB)
 * 0xc000_0000  32-bit MMIO hole: virtio-mmio at 0xd000_0000, KVM TSS/identity map, IOAPIC, LAPIC
 * 0x1_0000_0000  RAM beyond 3 GiB
 * </pre>
 */
public final class MemoryLayout {
    public static final long PAGE_SIZE = RegionSpec.PAGE_SIZE;

    /** Global descriptor table written for the 64-bit entry (see {@link BootState#longModeSpecialRegisters}). */
    public static final long GDT_ADDRESS = 0x500;
    /** An empty interrupt descriptor table: the kernel installs its own before enabling interrupts. */
    public static final long IDT_ADDRESS = 0x520;
    /** Linux {@code struct boot_params}, a.k.a. the zero page; {@code rsi} points here at entry. */
    public static final long ZERO_PAGE_ADDRESS = 0x7000;
    /** Initial {@code rsp}/{@code rbp} of the boot CPU: the top of the page after the zero page. */
    public static final long BOOT_STACK_POINTER = 0x8ff0;
    /** Top-level page table; loaded into CR3. */
    public static final long PML4_ADDRESS = 0x9000;
    /** Page-directory-pointer table referenced by PML4[0]. */
    public static final long PDPT_ADDRESS = 0xa000;
    /** First of {@link #IDENTITY_MAPPED_GIB} page directories of 2 MiB pages. */
    public static final long PD_ADDRESS = 0xb000;
    /**
     * How much of the address space the boot page tables identity-map. 4 GiB covers all of low RAM, so a kernel
     * (or an ELF segment) placed anywhere below the MMIO hole is reachable at entry.
     */
    public static final int IDENTITY_MAPPED_GIB = 4;
    /** The kernel command line, NUL-terminated. */
    public static final long CMDLINE_ADDRESS = 0x20000;
    /** Room reserved for the command line, including its terminating NUL (x86 {@code COMMAND_LINE_SIZE}). */
    public static final int CMDLINE_MAX_BYTES = 2048;
    /**
     * Start of the extended BIOS data area: the last KiB of the traditional 640 KiB. Linux scans it for the MP
     * floating pointer; everything from here to 1 MiB is reported as reserved.
     */
    public static final long EBDA_START = 0x9fc00;
    /** The MP floating pointer structure, followed by the MP configuration table. */
    public static final long MP_TABLE_ADDRESS = EBDA_START;
    /** Start of "high" memory: the boot protocol loads the protected-mode kernel here. */
    public static final long HIGH_MEMORY_START = 0x10_0000;
    /**
     * The ACPI Root System Description Pointer, at the start of the BIOS area [0xE0000, 1 MiB) that Linux scans for
     * it (16-byte aligned). The other ACPI tables follow it up to {@link #ACPI_AREA_END}.
     */
    public static final long ACPI_RSDP_ADDRESS = 0xE_0000;
    /** End (exclusive) of the ACPI tables' area; all of it lies in the e820-reserved range below 1 MiB. */
    public static final long ACPI_AREA_END = HIGH_MEMORY_START;

    /** Start of the 32-bit MMIO hole; RAM stops here and resumes at 4 GiB. */
    public static final long MMIO_HOLE_START = 0xC000_0000L;
    /** End (exclusive) of the 32-bit MMIO hole. */
    public static final long MMIO_HOLE_END = 0x1_0000_0000L;
    /** Base of the virtio-mmio device window: device {@code i} sits at {@code base + i * size}. */
    public static final long VIRTIO_MMIO_BASE = 0xD000_0000L;
    /** Size of one virtio-mmio device's register window. */
    public static final long VIRTIO_MMIO_DEVICE_SIZE = 0x1000;
    /** How many virtio-mmio devices fit the window (16 MiB). */
    public static final int VIRTIO_MMIO_MAX_DEVICES = 4096;
    /** Three pages KVM needs for the real-mode TSS on Intel ({@code KVM_SET_TSS_ADDR}); inside the MMIO hole. */
    public static final long KVM_TSS_ADDRESS = 0xFFFB_D000L;
    /** One page KVM needs for the EPT identity map on Intel ({@code KVM_SET_IDENTITY_MAP_ADDR}), below the TSS. */
    public static final long KVM_IDENTITY_MAP_ADDRESS = 0xFFFB_C000L;
    /** The I/O APIC's register window (KVM's in-kernel IOAPIC). */
    public static final long IOAPIC_ADDRESS = 0xFEC0_0000L;
    /** The local APICs' register window. */
    public static final long LAPIC_ADDRESS = 0xFEE0_0000L;
    /** Number of I/O APIC pins (GSIs 0..23), all routed in the MP table. */
    public static final int IOAPIC_PINS = 24;

    /** The least RAM a guest may have: the first megabyte plus room for a small kernel. */
    public static final long MIN_RAM_BYTES = 16L << 20;
    /** The most RAM a guest may have (1 TiB): well inside every x86-64 CPU's physical address width. */
    public static final long MAX_RAM_BYTES = 1L << 40;

    private MemoryLayout() {}

    /**
     * The guest RAM ranges for {@code ramBytes} of memory: one range from 0 when it fits below the MMIO hole,
     * otherwise [0, 3 GiB) plus the rest from 4 GiB.
     *
     * @throws IllegalArgumentException if {@code ramBytes} is not a multiple of the page size or outside
     *     [{@link #MIN_RAM_BYTES}, {@link #MAX_RAM_BYTES}]
     */
    public static List<RegionSpec> ramRegions(long ramBytes) {
        if (ramBytes < MIN_RAM_BYTES || ramBytes > MAX_RAM_BYTES || ramBytes % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest RAM size " + ramBytes + " bytes must be a multiple of "
                    + PAGE_SIZE + " between " + MIN_RAM_BYTES + " and " + MAX_RAM_BYTES);
        }
        if (ramBytes <= MMIO_HOLE_START) {
            return List.of(new RegionSpec(0, ramBytes));
        }
        return List.of(new RegionSpec(0, MMIO_HOLE_START),
                new RegionSpec(MMIO_HOLE_END, ramBytes - MMIO_HOLE_START));
    }

    /**
     * The register window of virtio-mmio device number {@code index}.
     *
     * @throws IllegalArgumentException if {@code index} is outside [0, {@link #VIRTIO_MMIO_MAX_DEVICES})
     */
    public static long virtioMmioAddress(int index) {
        if (index < 0 || index >= VIRTIO_MMIO_MAX_DEVICES) {
            throw new IllegalArgumentException("virtio-mmio device index " + index + " outside [0, "
                    + VIRTIO_MMIO_MAX_DEVICES + ")");
        }
        return VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_DEVICE_SIZE;
    }
}
