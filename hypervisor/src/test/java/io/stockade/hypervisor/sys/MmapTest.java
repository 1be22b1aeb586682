package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mappings are sized, zeroed, bounds-checked, and unusable once their arena is closed. */
class MmapTest {

    @Test
    void anAnonymousMappingIsZeroedBoundedAndWritable() {
        MemorySegment mapping;
        try (Arena arena = Arena.ofConfined()) {
            mapping = Mmap.mapAnonymous(1 << 20, arena);
            assertEquals(1 << 20, mapping.byteSize());
            assertEquals(0, mapping.get(ValueLayout.JAVA_LONG, 4096));
            mapping.set(ValueLayout.JAVA_LONG, (1 << 20) - 8, 42);
            assertEquals(42, mapping.get(ValueLayout.JAVA_LONG, (1 << 20) - 8));
            assertThrows(IndexOutOfBoundsException.class, () -> mapping.get(ValueLayout.JAVA_BYTE, 1 << 20));
            Mmap.madvise(mapping, Mmap.MADV_DONTDUMP);
        }
        assertThrows(IllegalStateException.class, () -> mapping.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void mappingABadFdNamesTheTarget() {
        try (Arena arena = Arena.ofConfined()) {
            LinuxException e = assertThrows(LinuxException.class,
                    () -> Mmap.map(-1, 0, 4096, Mmap.MAP_SHARED, arena, "test fd -1"));
            assertTrue(e.is(Errno.EBADF));
            assertTrue(e.getMessage().startsWith("mmap(0x1000 bytes) on test fd -1: EBADF"), e.getMessage());
        }
    }

    @Test
    void madviseOnAnUnalignedRangeFailsWithEinval() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mapping = Mmap.mapAnonymous(8192, arena);
            LinuxException e = assertThrows(LinuxException.class,
                    () -> Mmap.madvise(mapping.asSlice(1, 4096), Mmap.MADV_DONTNEED));
            assertTrue(e.is(Errno.EINVAL), e.getMessage());
        }
    }

    @Test
    void aMemfdGrowsToItsTruncatedSize() {
        int fd = Memfd.create("stockade-mmap-test", Memfd.MFD_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            Memfd.truncate(fd, 8192, "memfd");
            MemorySegment mapping = Mmap.map(fd, 4096, 4096, Mmap.MAP_SHARED, arena, "memfd");
            mapping.set(ValueLayout.JAVA_INT, 0, 7);
            assertEquals(7, mapping.get(ValueLayout.JAVA_INT, 0));
        } finally {
            FileDescriptors.close(fd, "memfd");
        }
        LinuxException e = assertThrows(LinuxException.class, () -> Memfd.truncate(-1, 4096, "memfd -1"));
        assertTrue(e.is(Errno.EBADF));
    }
}
