package io.stockade.hypervisor.arch.x86_64;

import io.stockade.hypervisor.memory.GuestRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * One range of the BIOS-style e820 memory map the kernel reads from the zero page to learn where RAM is.
 *
 * @param type {@link #RAM} or {@link #RESERVED}
 */
record E820Entry(long address, long size, int type) {
    static final int RAM = 1;
    static final int RESERVED = 2;
    /** Size of one {@code struct boot_e820_entry} in the zero page. */
    static final int BYTES = 20;

    /**
     * The map for guest RAM laid out by {@link MemoryLayout#ramRegions}: low memory up to the EBDA, the EBDA and
     * legacy BIOS area [EBDA, 1 MiB) reserved, RAM from 1 MiB to the end of the first region, and every further
     * region as RAM.
     *
     * @throws BootSetupException if the first region does not start at 0 or ends below 1 MiB
     */
    static List<E820Entry> mapOf(List<GuestRegion> regions) {
        if (regions.isEmpty() || regions.getFirst().guestAddress() != 0
                || regions.getFirst().end() <= MemoryLayout.HIGH_MEMORY_START) {
            throw new BootSetupException("guest RAM must start with a region [0, >1 MiB); got " + regions);
        }
        List<E820Entry> map = new ArrayList<>();
        map.add(new E820Entry(0, MemoryLayout.EBDA_START, RAM));
        map.add(new E820Entry(MemoryLayout.EBDA_START, MemoryLayout.HIGH_MEMORY_START - MemoryLayout.EBDA_START,
                RESERVED));
        GuestRegion low = regions.getFirst();
        map.add(new E820Entry(MemoryLayout.HIGH_MEMORY_START, low.end() - MemoryLayout.HIGH_MEMORY_START, RAM));
        for (GuestRegion region : regions.subList(1, regions.size())) {
            map.add(new E820Entry(region.guestAddress(), region.size(), RAM));
        }
        return List.copyOf(map);
    }
}
