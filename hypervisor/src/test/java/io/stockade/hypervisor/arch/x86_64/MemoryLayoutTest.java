package io.stockade.hypervisor.arch.x86_64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.RegionSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryLayoutTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @Test
    void ramBelowTheHoleIsOneRegionFromZero() {
        assertEquals(List.of(new RegionSpec(0, 128 * MIB)), MemoryLayout.ramRegions(128 * MIB));
        assertEquals(List.of(new RegionSpec(0, 3 * GIB)), MemoryLayout.ramRegions(3 * GIB));
    }

    @Test
    void ramBeyondThreeGibContinuesAtFourGib() {
        assertEquals(List.of(new RegionSpec(0, 3 * GIB), new RegionSpec(4 * GIB, 4096)),
                MemoryLayout.ramRegions(3 * GIB + 4096));
        assertEquals(List.of(new RegionSpec(0, 3 * GIB), new RegionSpec(4 * GIB, 5 * GIB)),
                MemoryLayout.ramRegions(8 * GIB));
    }

    @Test
    void rejectsRamSizesOutsideTheLimitsOrUnaligned() {
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(0));
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(MemoryLayout.MIN_RAM_BYTES - 4096));
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(128 * MIB + 1));
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(MemoryLayout.MAX_RAM_BYTES + 4096));
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(-4096));
    }

    @Test
    void virtioDevicesSitOnePageApartInsideTheHole() {
        assertEquals(0xd000_0000L, MemoryLayout.virtioMmioAddress(0));
        assertEquals(0xd000_1000L, MemoryLayout.virtioMmioAddress(1));
        long last = MemoryLayout.virtioMmioAddress(MemoryLayout.VIRTIO_MMIO_MAX_DEVICES - 1);
        assertTrue(last + MemoryLayout.VIRTIO_MMIO_DEVICE_SIZE <= MemoryLayout.KVM_IDENTITY_MAP_ADDRESS);
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.virtioMmioAddress(-1));
        assertThrows(IllegalArgumentException.class,
                () -> MemoryLayout.virtioMmioAddress(MemoryLayout.VIRTIO_MMIO_MAX_DEVICES));
    }

    private record Range(String name, long start, long size) {
        long end() {
            return start + size;
        }
    }

    private static void assertDisjoint(List<Range> ranges) {
        List<Range> sorted = new ArrayList<>(ranges);
        sorted.sort(Comparator.comparingLong(Range::start));
        for (int i = 1; i < sorted.size(); i++) {
            assertTrue(sorted.get(i - 1).end() <= sorted.get(i).start(),
                    sorted.get(i - 1) + " overlaps " + sorted.get(i));
        }
    }

    @Test
    void bootStructuresAreDisjointAndBelowTheKernel() {
        List<Range> boot = List.of(
                new Range("GDT", MemoryLayout.GDT_ADDRESS, 4 * 8),
                new Range("IDT", MemoryLayout.IDT_ADDRESS, 8),
                new Range("zero page", MemoryLayout.ZERO_PAGE_ADDRESS, 4096),
                new Range("stack", MemoryLayout.BOOT_STACK_POINTER - 0xff0, 0xff0),
                new Range("PML4", MemoryLayout.PML4_ADDRESS, 4096),
                new Range("PDPT", MemoryLayout.PDPT_ADDRESS, 4096),
                new Range("PDs", MemoryLayout.PD_ADDRESS, MemoryLayout.IDENTITY_MAPPED_GIB * 4096L),
                new Range("cmdline", MemoryLayout.CMDLINE_ADDRESS, MemoryLayout.CMDLINE_MAX_BYTES),
                new Range("MP table", MemoryLayout.MP_TABLE_ADDRESS, MpTable.size(BootConfig.MAX_VCPUS)));
        assertDisjoint(boot);
        boot.forEach(r -> assertTrue(r.end() <= MemoryLayout.HIGH_MEMORY_START, r + " below 1 MiB"));
    }

    @Test
    void mmioDevicesAreDisjointAndInsideTheHole() {
        List<Range> mmio = List.of(
                new Range("virtio-mmio", MemoryLayout.VIRTIO_MMIO_BASE,
                        MemoryLayout.VIRTIO_MMIO_MAX_DEVICES * MemoryLayout.VIRTIO_MMIO_DEVICE_SIZE),
                new Range("KVM identity map", MemoryLayout.KVM_IDENTITY_MAP_ADDRESS, 4096),
                new Range("KVM TSS", MemoryLayout.KVM_TSS_ADDRESS, 3 * 4096),
                new Range("IOAPIC", MemoryLayout.IOAPIC_ADDRESS, 4096),
                new Range("LAPIC", MemoryLayout.LAPIC_ADDRESS, 4096));
        assertDisjoint(mmio);
        mmio.forEach(r -> assertTrue(r.start() >= MemoryLayout.MMIO_HOLE_START && r.end() <= MemoryLayout.MMIO_HOLE_END,
                r + " inside the hole"));
    }
}
