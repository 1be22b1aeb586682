package io.stockade.hypervisor.devices.virtio;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.INDIRECT;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.NEXT;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A driver that breaks the split-ring rules on purpose. Each case asserts that the queue marks itself broken with a
 * reason naming the problem, hands out nothing (then or later), and that guest memory is byte-for-byte unchanged —
 * the device under test would otherwise have scribbled a marker into every buffer it was given.
 */
class HostileGuestTest {

    private static final int SIZE = 8;
    private static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC
            | VirtioFeatures.RING_EVENT_IDX;

    private final GuestMemory memory = TestRam.create();
    private final List<String> brokenReasons = new ArrayList<>();
    private MockDriverQueue driver;
    private Virtqueue queue;

    @BeforeEach
    void setUp() {
        TestRam.fill(memory, 0, (int) TestRam.REGION_SIZE, 0xa5);
        TestRam.fill(memory, TestRam.HIGH, (int) TestRam.REGION_SIZE, 0xa5);
        driver = new MockDriverQueue(memory, 0, SIZE);
        queue = Virtqueue.create("hostile-dev", 0, memory, driver.layout(), FEATURES, brokenReasons::add);
    }

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    /** What a device does: writes a marker into every writable byte it is given and returns the chain. */
    private int serveAll() {
        int served = 0;
        for (Optional<DescriptorChain> c = queue.pop(); c.isPresent(); c = queue.pop()) {
            GuestBuffers out = c.get().writable();
            byte[] marker = new byte[(int) Math.min(out.length(), 1 << 20)];
            java.util.Arrays.fill(marker, (byte) 0x5a);
            out.write(memory, 0, marker, 0, marker.length);
            queue.addUsed(c.get().headIndex(), marker.length);
            served++;
        }
        return served;
    }

    private void assertRejected(String expectedReason) {
        byte[] before = TestRam.snapshot(memory);

        assertEquals(0, serveAll(), "a bad chain must not be served");

        assertTrue(queue.isBroken(), "the queue must be marked broken");
        assertEquals(1, brokenReasons.size(), "the transport is told exactly once");
        assertTrue(brokenReasons.getFirst().contains(expectedReason),
                "reason \"" + brokenReasons.getFirst() + "\" should mention \"" + expectedReason + "\"");
        assertArrayEquals(before, TestRam.snapshot(memory), "guest memory must be untouched");

        driver.addChain(writable(0x4000, 16));
        assertEquals(0, serveAll(), "a broken queue stays broken until reset");
        assertEquals(1, brokenReasons.size());
    }

    @Test
    void descriptorLoop() {
        driver.writeDescriptor(0, 0x4000, 16, WRITE | NEXT, 1);
        driver.writeDescriptor(1, 0x4100, 16, WRITE | NEXT, 0);
        driver.makeAvailable(0);
        assertRejected("longer than its queue of 8 descriptors");
    }

    @Test
    void selfLoop() {
        driver.writeDescriptor(3, 0x4000, 16, WRITE | NEXT, 3);
        driver.makeAvailable(3);
        assertRejected("descriptor 3");
    }

    @Test
    void nextIndexOutOfRange() {
        driver.writeDescriptor(0, 0x4000, 16, NEXT, 8);
        driver.makeAvailable(0);
        assertRejected("next index 8 outside its queue of 8 descriptors");
    }

    @Test
    void headIndexOutOfRange() {
        driver.makeAvailable(0xffff);
        assertRejected("names head descriptor 65535");
    }

    @Test
    void bufferOutsideRam() {
        driver.addChain(writable(0x8000_0000L, 16));
        assertRejected("buffer [0x80000000, +0x10) outside guest RAM");
    }

    @Test
    void bufferRunningPastTheEndOfARegion() {
        driver.addChain(writable(TestRam.REGION_SIZE - 8, 16));
        assertRejected("outside guest RAM");
    }

    @Test
    void bufferSpanningTheHoleBetweenRegions() {
        driver.addChain(writable(0x8000, (int) (TestRam.HIGH - 0x8000 + 16)));
        assertRejected("outside guest RAM");
    }

    @Test
    void bufferWrappingAroundTheAddressSpace() {
        driver.addChain(writable(0xffff_ffff_ffff_f000L, 0x2000));
        assertRejected("0xfffffffffffff000");
    }

    @Test
    void hugeBufferLength() {
        driver.addChain(writable(0x4000, 0xffff_ffff));
        assertRejected("+0xffffffff");
    }

    @Test
    void readableAfterWritable() {
        driver.addChain(writable(0x4000, 16), readable(0x4100, 16));
        assertRejected("device-readable but follows a device-writable");
    }

    @Test
    void availIndexJumpingMoreThanTheQueueSize() {
        driver.setAvailIdx(SIZE + 1);
        assertRejected("9 entries ahead");
    }

    @Test
    void availIndexMovingBackwards() {
        driver.setAvailIdx(0xffff); // seen from the device: 65535 entries ahead
        assertRejected("65535 entries ahead");
    }

    @Test
    void indirectInsideIndirect() {
        driver.writeDescriptorAt(0x3000, 0x3100, 16, INDIRECT, 0);
        driver.writeDescriptorAt(0x3100, 0x4000, 16, WRITE, 0);
        driver.writeDescriptor(0, 0x3000, 16, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("indirect descriptor inside an indirect table");
    }

    @Test
    void indirectWithNext() {
        driver.writeDescriptorAt(0x3000, 0x4000, 16, WRITE, 0);
        driver.writeDescriptor(0, 0x3000, 16, INDIRECT | NEXT, 1);
        driver.writeDescriptor(1, 0x4100, 16, WRITE, 0);
        driver.makeAvailable(0);
        assertRejected("both INDIRECT and NEXT");
    }

    @Test
    void indirectTableLengthNotAMultipleOf16() {
        driver.writeDescriptorAt(0x3000, 0x4000, 16, WRITE, 0);
        driver.writeDescriptor(0, 0x3000, 24, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("indirect table of 24 bytes");
    }

    @Test
    void emptyIndirectTable() {
        driver.writeDescriptor(0, 0x3000, 0, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("indirect table of 0 bytes");
    }

    @Test
    void indirectTableLongerThanTheQueue() {
        driver.writeDescriptor(0, 0x3000, 16 * (SIZE + 1), INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("at most 8 descriptors");
    }

    @Test
    void indirectTableOutsideRam() {
        driver.writeDescriptor(0, TestRam.REGION_SIZE - 16, 32, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("indirect table [0xfff0, +0x20) outside guest RAM");
    }

    @Test
    void loopInsideAnIndirectTable() {
        driver.writeDescriptorAt(0x3000, 0x4000, 16, WRITE | NEXT, 1);
        driver.writeDescriptorAt(0x3010, 0x4100, 16, WRITE | NEXT, 0);
        driver.writeDescriptor(0, 0x3000, 32, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("longer than its indirect table of 2 descriptors");
    }

    @Test
    void nextOutsideAnIndirectTable() {
        driver.writeDescriptorAt(0x3000, 0x4000, 16, WRITE | NEXT, 2);
        driver.writeDescriptorAt(0x3010, 0x4100, 16, WRITE, 0);
        driver.writeDescriptor(0, 0x3000, 32, INDIRECT, 0);
        driver.makeAvailable(0);
        assertRejected("next index 2 outside its indirect table of 2 descriptors");
    }

    @Test
    void indirectDescriptorWithoutTheFeature() {
        queue = Virtqueue.create("hostile-dev", 0, memory, driver.layout(), VirtioFeatures.VERSION_1,
                brokenReasons::add);
        driver.addIndirectChain(0x3000, writable(0x4000, 16));
        assertRejected("VIRTIO_F_RING_INDIRECT_DESC was not negotiated");
    }

    @Test
    void zeroLengthBuffersAreHarmlessAndServed() {
        int head = driver.addChain(readable(0x4000, 0), writable(0x4100, 0));
        byte[] before = TestRam.snapshot(memory);

        assertEquals(1, serveAll());

        assertEquals(List.of(new MockDriverQueue.Used(head, 0)), driver.allUsed());
        byte[] after = TestRam.snapshot(memory);
        // Only the used ring (idx, the element and avail_event) may differ.
        long usedStart = driver.layout().usedRing();
        long usedEnd = driver.end();
        for (int i = 0; i < before.length; i++) {
            if (i < usedStart || i >= usedEnd) {
                assertEquals(before[i], after[i], "byte at 0x" + Integer.toHexString(i) + " changed");
            }
        }
        assertTrue(brokenReasons.isEmpty());
    }

    @Test
    void validChainsBeforeABadOneAreServedThenTheQueueBreaks() {
        driver.addChain(writable(0x4000, 16));
        driver.addChain(writable(0x8000_0000L, 16));
        driver.addChain(writable(0x4100, 16));

        assertEquals(1, serveAll());

        assertTrue(queue.isBroken());
        assertEquals(0x5a, memory.readByte(0x4000));
        assertEquals((byte) 0xa5, memory.readByte(0x4100), "nothing after the bad chain is served");
    }
}
