/**
 * Hardware-reduced ACPI for the x86_64 microVM: the tables Linux reads to find the CPUs and interrupt controllers
 * (MADT), the legacy devices and the S5 sleep state (DSDT), and the sleep control register it writes to power off
 * (FADT, {@link io.stockade.hypervisor.arch.x86_64.acpi.AcpiSleepControl}).
 *
 * <p>Everything lives in the BIOS area below 1 MiB that the e820 map reports as reserved: the RSDP at
 * {@link io.stockade.hypervisor.arch.x86_64.MemoryLayout#ACPI_RSDP_ADDRESS}, where Linux scans for it (and where the
 * zero page's {@code acpi_rsdp_addr} points), followed by the XSDT, FADT, MADT and DSDT.
 */
package io.stockade.hypervisor.arch.x86_64.acpi;
