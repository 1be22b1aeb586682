package io.stockade.hypervisor.devices.virtio.rng;

import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.readable;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.devices.virtio.mmio.LinuxStyleDriver;
import io.stockade.hypervisor.devices.virtio.mmio.VirtioMmioTransport;
import io.stockade.hypervisor.memory.GuestMemory;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioRngTest {

    /** A "random" source whose output is recognisable: every byte is 0x42. */
    private static final class RecognisableRandom extends SecureRandom {
        @Override
        public void nextBytes(byte[] bytes) {
            Arrays.fill(bytes, (byte) 0x42);
        }
    }

    private final GuestMemory memory = TestRam.create();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final VirtioRng rng = new VirtioRng("virtio-rng test", new RecognisableRandom());

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    private MockDriverQueue activate(long features) {
        MockDriverQueue driver = new MockDriverQueue(memory, 0, 8);
        Virtqueue queue = Virtqueue.create(rng.name(), 0, memory, driver.layout(), features, reason -> { });
        rng.activate(memory, List.of(queue), interrupts::incrementAndGet);
        return driver;
    }

    private byte[] bytes(long address, int length) {
        byte[] out = new byte[length];
        memory.read(address, out, 0, length);
        return out;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void isAnEntropyDeviceWithOneQueue() {
        assertEquals(DeviceType.ENTROPY, rng.deviceType());
        assertEquals(List.of(VirtioRng.QUEUE_MAX_SIZE), rng.queueMaxSizes());
        assertTrue((rng.deviceFeatures() & VirtioFeatures.VERSION_1) != 0);
    }

    @Test
    void fillsEveryWritableBufferOfEachRequest() {
        MockDriverQueue driver = activate(VirtioFeatures.VERSION_1);
        int first = driver.addChain(writable(0x4000, 100), writable(TestRam.HIGH, 200));
        int second = driver.addChain(writable(0x5000, 16));

        rng.queueNotify(0);

        assertEquals(List.of(new MockDriverQueue.Used(first, 300), new MockDriverQueue.Used(second, 16)),
                driver.allUsed());
        assertArrayEquals(filled(100, 0x42), bytes(0x4000, 100));
        assertArrayEquals(filled(200, 0x42), bytes(TestRam.HIGH, 200));
        assertArrayEquals(filled(16, 0x42), bytes(0x5000, 16));
        assertEquals(0, memory.readByte(0x4000 + 100), "not one byte past the buffer");
        assertEquals(1, interrupts.get(), "one interrupt for the batch");
    }

    @Test
    void aRequestGetsAtMostTheBoundedAmount() {
        MockDriverQueue driver = activate(VirtioFeatures.VERSION_1);
        // 32 KiB in the low region + the whole 64 KiB high region: more than the 64 KiB bound.
        int head = driver.addChain(writable(0x8000, 0x8000), writable(TestRam.HIGH, (int) TestRam.REGION_SIZE));

        rng.queueNotify(0);

        assertEquals(List.of(new MockDriverQueue.Used(head, VirtioRng.MAX_BYTES_PER_REQUEST)), driver.allUsed());
        assertArrayEquals(filled(0x8000, 0x42), bytes(0x8000, 0x8000));
        assertArrayEquals(filled(0x8000, 0x42), bytes(TestRam.HIGH, 0x8000));
        assertArrayEquals(new byte[0x8000], bytes(TestRam.HIGH + 0x8000, 0x8000), "the rest is untouched");
    }

    @Test
    void readableBuffersAreLeftAlone() {
        MockDriverQueue driver = activate(VirtioFeatures.VERSION_1);
        int head = driver.addChain(readable(0x4000, 32), writable(0x5000, 32));

        rng.queueNotify(0);

        assertEquals(List.of(new MockDriverQueue.Used(head, 32)), driver.allUsed());
        assertArrayEquals(new byte[32], bytes(0x4000, 32));
    }

    @Test
    void theDriverCanSuppressInterrupts() {
        MockDriverQueue driver = activate(VirtioFeatures.VERSION_1);
        driver.setAvailFlags(1); // VIRTQ_AVAIL_F_NO_INTERRUPT
        driver.addChain(writable(0x4000, 8));

        rng.queueNotify(0);

        assertEquals(1, driver.usedIdx());
        assertEquals(0, interrupts.get());
    }

    @Test
    void afterResetNotificationsDoNothing() {
        MockDriverQueue driver = activate(VirtioFeatures.VERSION_1);
        rng.reset();
        driver.addChain(writable(0x4000, 8));

        rng.queueNotify(0);

        assertEquals(0, driver.usedIdx());
        assertArrayEquals(new byte[8], bytes(0x4000, 8));
    }

    @Test
    void theDefaultSourceProducesRealEntropyThroughTheMmioTransport() {
        VirtioRng real = new VirtioRng("virtio-rng real");
        VirtioMmioTransport transport = new VirtioMmioTransport(memory, real, interrupts::incrementAndGet);
        LinuxStyleDriver linux = new LinuxStyleDriver(transport, memory);
        MockDriverQueue queue = linux.initialize(~0L, 1, 0x1000).getFirst();
        int head = queue.addChain(writable(0x8000, 4096));

        linux.notify(0);

        assertEquals(List.of(new MockDriverQueue.Used(head, 4096)), queue.allUsed());
        assertFalse(Arrays.equals(new byte[4096], bytes(0x8000, 4096)), "4 KiB of entropy is never all zero");
        assertEquals(1, interrupts.get());
        assertEquals(1, linux.acknowledgeInterrupt(), "a used-buffer interrupt");
    }
}
