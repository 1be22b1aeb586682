package io.stockade.hypervisor.devices.virtio;

import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.GuestRegion;
import io.stockade.hypervisor.memory.RegionSpec;
import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * Guest RAM for virtio tests: two 64 KiB regions with a hole between them (so "inside RAM" and "inside one region"
 * are both exercised), and whole-memory snapshots to prove what a device did not touch.
 */
public final class TestRam {
    public static final long LOW = 0;
    public static final long HIGH = 0x10_0000;
    public static final long REGION_SIZE = 0x1_0000;

    private TestRam() {
    }

    public static GuestMemory create() {
        return GuestMemory.ofHeap(List.of(new RegionSpec(LOW, REGION_SIZE), new RegionSpec(HIGH, REGION_SIZE)));
    }

    /** Every byte of guest RAM, region after region. */
    public static byte[] snapshot(GuestMemory memory) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (GuestRegion r : memory.regions()) {
            byte[] bytes = new byte[(int) r.size()];
            memory.read(r.guestAddress(), bytes, 0, bytes.length);
            all.writeBytes(bytes);
        }
        return all.toByteArray();
    }

    /** Fills {@code [address, address + length)} with {@code value}. */
    public static void fill(GuestMemory memory, long address, int length, int value) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) value);
        memory.write(address, bytes);
    }
}
