package io.stockade.hypervisor.devices.virtio;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtqueueTest {

    private static final long ALL_RING_FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC
            | VirtioFeatures.RING_EVENT_IDX;

    private final GuestMemory memory = TestRam.create();
    private final List<String> brokenReasons = new ArrayList<>();

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    private Virtqueue queue(MockDriverQueue driver, long features) {
        return Virtqueue.create("test-dev", 0, memory, driver.layout(), features, brokenReasons::add);
    }

    @Test
    void nothingAvailableMeansNothingPopped() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        assertEquals(Optional.empty(), queue(driver, ALL_RING_FEATURES).pop());
    }

    @Test
    void popsAChainSplitIntoReadableAndWritableBuffers() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        int head = driver.addChain(readable(0x1000, 16), readable(0x2000, 512), writable(TestRam.HIGH, 1));

        DescriptorChain chain = q.pop().orElseThrow();

        assertEquals(head, chain.headIndex());
        assertEquals(List.of(new Descriptor(0x1000, 16, false), new Descriptor(0x2000, 512, false)),
                chain.readable().descriptors());
        assertEquals(List.of(new Descriptor(TestRam.HIGH, 1, true)), chain.writable().descriptors());
        assertEquals(Optional.empty(), q.pop(), "each chain is handed out once");
    }

    @Test
    void usedElementsArePublishedWithTheUsedIndex() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        driver.addChain(writable(0x1000, 64));
        int second = driver.addChain(writable(0x2000, 64));

        q.addUsed(q.pop().orElseThrow().headIndex(), 10);
        assertEquals(1, driver.usedIdx());
        q.addUsed(q.pop().orElseThrow().headIndex(), 20);

        assertEquals(List.of(new MockDriverQueue.Used(0, 10), new MockDriverQueue.Used(second, 20)),
                driver.allUsed());
    }

    @Test
    void sixteenBitRingIndicesWrapAround() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 4);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        int rounds = 0x1_0000 + 10;
        for (int i = 0; i < rounds; i++) {
            int head = driver.addChain(writable(0x1000 + 8L * (i % 4), 8));
            DescriptorChain chain = q.pop().orElseThrow(() -> new AssertionError("nothing popped"));
            assertEquals(head, chain.headIndex());
            q.addUsed(chain.headIndex(), i & 0xff);
        }
        assertEquals(rounds & 0xffff, driver.usedIdx());
        assertEquals(new MockDriverQueue.Used((rounds - 1) % 4, (rounds - 1) & 0xff), driver.used(rounds - 1));
        assertFalse(q.isBroken());
    }

    @Test
    void availIndexMayWrapPastZeroWithEntriesPending() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 4);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        // Bring both sides to 0xfffe, then publish three chains so avail idx wraps to 1.
        for (int i = 0; i < 0xfffe; i++) {
            driver.addChain(writable(0x1000, 8));
            q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        }
        driver.addChain(writable(0x1000, 8));
        driver.addChain(writable(0x1100, 8));
        driver.addChain(writable(0x1200, 8));

        List<Long> popped = new ArrayList<>();
        for (Optional<DescriptorChain> c = q.pop(); c.isPresent(); c = q.pop()) {
            popped.add(c.get().writable().descriptors().getFirst().address());
        }
        assertEquals(List.of(0x1000L, 0x1100L, 0x1200L), popped);
    }

    @Test
    void indirectTablesAreResolved() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        int head = driver.addIndirectChain(0x3000, readable(0x1000, 16), writable(0x2000, 512),
                writable(TestRam.HIGH + 8, 1));

        DescriptorChain chain = q.pop().orElseThrow();

        assertEquals(head, chain.headIndex());
        assertEquals(16, chain.readable().length());
        assertEquals(List.of(new Descriptor(0x2000, 512, true), new Descriptor(TestRam.HIGH + 8, 1, true)),
                chain.writable().descriptors());
    }

    @Test
    void withoutEventIdxTheNoInterruptFlagSuppressesNotifications() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, VirtioFeatures.VERSION_1);
        driver.addChain(writable(0x1000, 8));
        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        assertTrue(q.needsNotification());

        driver.setAvailFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        assertFalse(q.needsNotification());
    }

    @Test
    void eventIdxNotifiesOnlyWhenUsedIdxPassesUsedEvent() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        for (int i = 0; i < 4; i++) {
            driver.addChain(writable(0x1000 + 16L * i, 8));
        }
        driver.setUsedEvent(2); // "interrupt me once used idx moves past 2", i.e. when it reaches 3

        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        assertTrue(q.needsNotification(), "the first decision always notifies");
        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        assertFalse(q.needsNotification(), "used idx 2 has not passed used_event 2");
        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        assertTrue(q.needsNotification(), "used idx 3 passed used_event 2");
        q.addUsed(q.pop().orElseThrow().headIndex(), 0);
        assertFalse(q.needsNotification(), "used_event was not moved on, so no further interrupt");
    }

    @Test
    void eventIdxPublishesAvailEventAfterEachPop() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        driver.addChain(writable(0x1000, 8));
        driver.addChain(writable(0x1100, 8));

        q.pop();
        assertEquals(1, driver.availEvent());
        q.pop();
        assertEquals(2, driver.availEvent(), "the driver should notify as soon as it publishes entry 2");
    }

    @Test
    void needEventFollowsTheSpecFormulaAcrossWraparound() {
        assertTrue(Virtqueue.needEvent(5, 6, 5));
        assertFalse(Virtqueue.needEvent(6, 6, 5));
        assertTrue(Virtqueue.needEvent(0xffff, 1, 0xfffe), "passing 0xffff while wrapping to 1");
        assertFalse(Virtqueue.needEvent(3, 3, 3), "nothing new used");
    }

    @Test
    void aStoppedQueueIgnoresTheRing() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        driver.addChain(writable(0x1000, 8));
        DescriptorChain chain = q.pop().orElseThrow();
        driver.addChain(writable(0x1100, 8));

        q.stop();

        assertEquals(Optional.empty(), q.pop());
        q.addUsed(chain.headIndex(), 8);
        assertEquals(0, driver.usedIdx(), "a completion after reset must not reach the reused ring");
        assertFalse(q.needsNotification());
    }

    @Test
    void aLayoutOutsideRamCannotBecomeAQueue() {
        QueueLayout layout = new QueueLayout(8, TestRam.REGION_SIZE - 64, 0x1000, 0x2000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Virtqueue.create("test-dev", 3, memory, layout, 0, reason -> { }));
        assertTrue(e.getMessage().contains("test-dev queue 3: descriptor table"), e.getMessage());
    }

    @Test
    void addingAUsedElementForAForeignHeadIsADeviceBug() {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue q = queue(driver, ALL_RING_FEATURES);
        assertThrows(IllegalArgumentException.class, () -> q.addUsed(8, 0));
    }
}
