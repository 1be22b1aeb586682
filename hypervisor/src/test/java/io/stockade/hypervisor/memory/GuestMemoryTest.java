package io.stockade.hypervisor.memory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bounds-checked guest RAM, for both backings: every access is inside one region or rejected with a clear error. */
class GuestMemoryTest {
    private static final long LOW_END = 0x10000;
    private static final long HIGH = 0x100000;
    private static final long HIGH_END = HIGH + 0x10000;
    /** Two regions with a gap between them, given out of order on purpose. */
    private static final List<RegionSpec> LAYOUT =
            List.of(new RegionSpec(HIGH, HIGH_END - HIGH), new RegionSpec(0, LOW_END));

    enum Backing {
        HEAP(GuestMemory::ofHeap),
        MEMFD(layout -> GuestMemory.createMemfd("guest-memory-test", layout));

        final Function<List<RegionSpec>, GuestMemory> factory;

        Backing(Function<List<RegionSpec>, GuestMemory> factory) {
            this.factory = factory;
        }
    }

    private final List<GuestMemory> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        opened.forEach(GuestMemory::close);
    }

    private GuestMemory create(Backing backing, List<RegionSpec> layout) {
        GuestMemory memory = backing.factory.apply(layout);
        opened.add(memory);
        return memory;
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void regionsAreSortedByGuestAddressAndSized(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        List<GuestRegion> regions = memory.regions();
        assertEquals(2, regions.size());
        assertEquals(0, regions.get(0).guestAddress());
        assertEquals(HIGH, regions.get(1).guestAddress());
        assertEquals(LOW_END + (HIGH_END - HIGH), memory.totalSize());
        assertEquals(LOW_END, regions.get(0).hostSegment().byteSize());
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void valuesAreLittleEndianAndMayBeUnaligned(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        memory.writeInt(0x1000, 0x11223344);
        assertEquals((byte) 0x44, memory.readByte(0x1000));
        assertEquals((byte) 0x11, memory.readByte(0x1003));
        assertEquals((short) 0x3344, memory.readShort(0x1000));

        memory.writeLong(HIGH + 3, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, memory.readLong(HIGH + 3));
        assertEquals((byte) 0x08, memory.readByte(HIGH + 3));

        memory.writeShort(0x2001, (short) 0xBEEF);
        assertEquals((short) 0xBEEF, memory.readShort(0x2001));
        memory.writeByte(LOW_END - 1, (byte) 0x7F);
        assertEquals((byte) 0x7F, memory.readByte(LOW_END - 1));
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void freshMemoryReadsAsZero(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        assertEquals(0L, memory.readLong(0));
        assertEquals(0L, memory.readLong(HIGH_END - 8));
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void byteArraysCopyInAndOutWithOffsets(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        memory.write(HIGH + 0x10, new byte[] {9, 1, 2, 3, 9}, 1, 3);
        byte[] out = new byte[6];
        memory.read(HIGH + 0x0F, out, 1, 5);
        assertArrayEquals(new byte[] {0, 0, 1, 2, 3, 0}, out);

        memory.write(0x40, new byte[] {5, 6});
        assertEquals((short) 0x0605, memory.readShort(0x40));
    }

    @Test
    void arrayBoundsAreCheckedBeforeGuestMemoryIsTouched() {
        GuestMemory memory = create(Backing.HEAP, LAYOUT);
        assertThrows(IndexOutOfBoundsException.class, () -> memory.read(0, new byte[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> memory.write(0, new byte[4], -1, 2));
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void theLastBytesOfARegionAreAccessibleButNotOneMore(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        memory.writeInt(LOW_END - 4, 1);
        assertTrue(memory.isValid(LOW_END - 4, 4));
        assertFalse(memory.isValid(LOW_END - 3, 4));

        GuestMemoryAccessException e = assertThrows(GuestMemoryAccessException.class, () -> memory.readInt(LOW_END - 3));
        assertEquals(LOW_END - 3, e.address());
        assertEquals(4, e.length());
        assertTrue(e.getMessage().contains("0xfffd") && e.getMessage().contains("length 0x4"), e.getMessage());
        assertTrue(e.getMessage().contains("runs past the end of RAM region [0x0, 0x10000)"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void addressesInTheGapOrBeyondRamAreRejected(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        assertAll(
                () -> assertFalse(memory.isValid(LOW_END, 1)),
                () -> assertFalse(memory.isValid(HIGH - 1, 2)),
                () -> assertFalse(memory.isValid(HIGH_END, 1)),
                () -> assertFalse(memory.isValid(-1, 1)));
        GuestMemoryAccessException e = assertThrows(GuestMemoryAccessException.class, () -> memory.writeByte(0x80000, (byte) 1));
        assertTrue(e.getMessage().contains("0x80000") && e.getMessage().contains("not guest RAM"), e.getMessage());
    }

    @Test
    void aRangeSpanningTwoAdjacentRegionsIsRejected() {
        GuestMemory memory = create(Backing.HEAP, List.of(new RegionSpec(0, 0x1000), new RegionSpec(0x1000, 0x1000)));
        assertTrue(memory.isValid(0xFFC, 4));
        assertTrue(memory.isValid(0x1000, 4));
        assertFalse(memory.isValid(0xFFE, 4));
        assertThrows(GuestMemoryAccessException.class, () -> memory.readInt(0xFFE));
        assertThrows(GuestMemoryAccessException.class, () -> memory.segment(0x800, 0x1000));
    }

    @Test
    void rangesThatWrapAroundTheAddressSpaceAreRejected() {
        GuestMemory memory = create(Backing.HEAP, LAYOUT);
        assertAll(
                () -> assertFalse(memory.isValid(0x10, Long.MAX_VALUE)),
                () -> assertFalse(memory.isValid(0x10, -0x10)),
                () -> assertFalse(memory.isValid(0xFFFF_FFFF_FFFF_FFF0L, 0x20)),
                () -> assertFalse(memory.isValid(HIGH, Long.MIN_VALUE)));
        GuestMemoryAccessException e = assertThrows(GuestMemoryAccessException.class,
                () -> memory.segment(0xFFFF_FFFF_FFFF_FFF0L, 0x20));
        assertTrue(e.getMessage().contains("wraps around"), e.getMessage());
        GuestMemoryAccessException negative = assertThrows(GuestMemoryAccessException.class, () -> memory.segment(0, -1));
        assertTrue(negative.getMessage().contains("negative length"), negative.getMessage());
    }

    @Test
    void aZeroLengthRangeIsValidOnlyAtAnAddressOfRam() {
        GuestMemory memory = create(Backing.HEAP, LAYOUT);
        assertTrue(memory.isValid(0, 0));
        assertTrue(memory.isValid(LOW_END - 1, 0));
        assertFalse(memory.isValid(LOW_END, 0));
        assertFalse(memory.isValid(0x80000, 0));
        assertEquals(0, memory.segment(HIGH, 0).byteSize());
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void segmentsAreBoundedSlicesOfTheSameMemory(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        MemorySegment slice = memory.segment(HIGH + 0x100, 16);
        assertEquals(16, slice.byteSize());
        slice.set(ValueLayout.JAVA_BYTE, 15, (byte) 42);
        assertEquals((byte) 42, memory.readByte(HIGH + 0x10F));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.get(ValueLayout.JAVA_BYTE, 16));
    }

    @ParameterizedTest
    @EnumSource(Backing.class)
    void closingInvalidatesEverySegmentAndIsIdempotent(Backing backing) {
        GuestMemory memory = create(backing, LAYOUT);
        MemorySegment slice = memory.segment(0, 8);
        memory.close();
        memory.close();
        assertThrows(IllegalStateException.class, () -> slice.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> memory.readByte(0));
    }

    @Test
    void invalidLayoutsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuestMemory.ofHeap(List.of()));
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> GuestMemory.ofHeap(
                List.of(new RegionSpec(0, 0x2000), new RegionSpec(0x1000, 0x1000))));
        assertTrue(overlap.getMessage().contains("overlap"), overlap.getMessage());
    }
}
