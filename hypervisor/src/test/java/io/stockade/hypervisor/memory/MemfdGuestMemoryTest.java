package io.stockade.hypervisor.memory;

import io.stockade.hypervisor.sys.Mmap;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** memfd-backed guest RAM can be shared: another mapping of the fd (as a vhost-user backend makes) sees the same bytes. */
class MemfdGuestMemoryTest {

    @Test
    void allRegionsLiveInOneMemfdAtConsecutiveOffsets() {
        try (GuestMemory memory = GuestMemory.createMemfd("stockade-test-offsets",
                List.of(new RegionSpec(0, 0x3000), new RegionSpec(0x100000, 0x2000)))) {
            GuestRegion low = memory.regions().get(0);
            GuestRegion high = memory.regions().get(1);
            assertTrue(low.fd() >= 0);
            assertEquals(low.fd(), high.fd());
            assertEquals(0, low.fdOffset());
            assertEquals(0x3000, high.fdOffset());
        }
    }

    @Test
    void aSecondMappingOfTheFdSeesGuestWrites() {
        try (GuestMemory memory = GuestMemory.createMemfd("stockade-test-shared",
                List.of(new RegionSpec(0, 0x1000), new RegionSpec(0x100000, 0x1000)));
             Arena arena = Arena.ofConfined()) {
            GuestRegion high = memory.regions().get(1);
            MemorySegment other = Mmap.map(high.fd(), high.fdOffset(), high.size(), Mmap.MAP_SHARED, arena, "test mapping");
            memory.writeLong(0x100008, 0xCAFEBABEL);
            assertEquals(0xCAFEBABEL, other.get(ValueLayout.JAVA_LONG, 8));
            other.set(ValueLayout.JAVA_INT, 0x20, 77);
            assertEquals(77, memory.readInt(0x100020));
        }
    }

    @Test
    void closingReleasesTheMemfd() throws IOException {
        String name = "stockade-test-close-" + ProcessHandle.current().pid();
        GuestMemory memory = GuestMemory.createMemfd(name, List.of(new RegionSpec(0, 0x1000)));
        Path fdLink = Path.of("/proc/self/fd/" + memory.regions().get(0).fd());
        assertTrue(Files.readSymbolicLink(fdLink).toString().contains("memfd:" + name));
        memory.close();
        // The fd number may be reused by someone else, but never for our memfd again.
        assertFalse(Files.exists(fdLink) && Files.readSymbolicLink(fdLink).toString().contains("memfd:" + name));
    }
}
