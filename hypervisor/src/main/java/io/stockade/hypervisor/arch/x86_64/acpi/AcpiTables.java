package io.stockade.hypervisor.arch.x86_64.acpi;

import io.stockade.hypervisor.arch.x86_64.MemoryLayout;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;

/**
 * Writes the microVM's ACPI tables into guest memory: the RSDP at {@link MemoryLayout#ACPI_RSDP_ADDRESS}, then the
 * XSDT (listing FADT and MADT), FADT (pointing at the DSDT), MADT and DSDT, each 16-byte aligned, all inside
 * [{@link MemoryLayout#ACPI_RSDP_ADDRESS}, {@link MemoryLayout#ACPI_AREA_END}), which the e820 map reserves.
 */
public final class AcpiTables {
    static final int ALIGNMENT = 16;

    private AcpiTables() {}

    /**
     * Writes the tables for {@code vcpus} CPUs and the given virtio-mmio devices.
     *
     * @return the RSDP's guest address, for the zero page's {@code acpi_rsdp_addr}
     * @throws IllegalArgumentException if {@code vcpus} is outside [1, {@code BootConfig.MAX_VCPUS}], there are
     *     more virtio devices than the DSDT can name, or the tables do not fit the ACPI area
     */
    public static long write(GuestMemory memory, int vcpus, List<VirtioMmioDevice> virtioDevices) {
        byte[] dsdt = Dsdt.build(virtioDevices);
        byte[] madt = Madt.build(vcpus);

        long rsdpAddress = MemoryLayout.ACPI_RSDP_ADDRESS;
        long xsdtAddress = align(rsdpAddress + Rsdp.LENGTH);
        long fadtAddress = align(xsdtAddress + Xsdt.length(2));
        long madtAddress = align(fadtAddress + Fadt.LENGTH);
        long dsdtAddress = align(madtAddress + madt.length);
        long end = dsdtAddress + dsdt.length;
        if (end > MemoryLayout.ACPI_AREA_END) {
            throw new IllegalArgumentException(String.format("ACPI tables for %d vCPUs and %d virtio devices need "
                    + "[0x%x, 0x%x), beyond the ACPI area's end 0x%x", vcpus, virtioDevices.size(), rsdpAddress, end,
                    MemoryLayout.ACPI_AREA_END));
        }
        memory.write(dsdtAddress, dsdt);
        memory.write(madtAddress, madt);
        memory.write(fadtAddress, Fadt.build(dsdtAddress));
        memory.write(xsdtAddress, Xsdt.build(List.of(fadtAddress, madtAddress)));
        memory.write(rsdpAddress, Rsdp.build(xsdtAddress));
        return rsdpAddress;
    }

    private static long align(long address) {
        return (address + ALIGNMENT - 1) & -ALIGNMENT;
    }
}
