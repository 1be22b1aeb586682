package io.stockade.hypervisor.devices.virtio.mmio;

import static io.stockade.hypervisor.devices.virtio.DeviceStatus.ACKNOWLEDGE;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DEVICE_NEEDS_RESET;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DRIVER;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.DRIVER_OK;
import static io.stockade.hypervisor.devices.virtio.DeviceStatus.FEATURES_OK;
import static io.stockade.hypervisor.devices.virtio.MockDriverQueue.Buffer.writable;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.TestRam;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioMmioTransportTest {

    private static final long RINGS = 0x1000;

    private final GuestMemory memory = TestRam.create();
    private final RecordingDevice device = new RecordingDevice();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final VirtioMmioTransport transport = new VirtioMmioTransport(memory, device, interrupts::incrementAndGet);
    private final LinuxStyleDriver driver = new LinuxStyleDriver(transport, memory);

    @AfterEach
    void closeMemory() {
        memory.close();
    }

    private void assertNotActivatedAndNeedsReset() {
        assertFalse(transport.isActive());
        assertNull(device.activatedWith);
        assertTrue((driver.status() & DEVICE_NEEDS_RESET) != 0, "status 0x" + Integer.toHexString(driver.status()));
    }

    @Test
    void identifiesItselfAsAVersion2Device() {
        assertEquals(0x74726976, driver.read(MmioRegister.MAGIC_VALUE));
        assertEquals(2, driver.read(MmioRegister.VERSION));
        assertEquals(19, driver.read(MmioRegister.DEVICE_ID));
        assertEquals(VirtioMmioTransport.VENDOR_ID, driver.read(MmioRegister.VENDOR_ID));
        assertEquals(0, driver.status());
    }

    @Test
    void deviceFeaturesAreReadThirtyTwoBitsAtATime() {
        assertEquals(RecordingDevice.FEATURES, driver.deviceFeatures());
        driver.write(MmioRegister.DEVICE_FEATURES_SEL, 2);
        assertEquals(0, driver.read(MmioRegister.DEVICE_FEATURES));
    }

    @Test
    void theLinuxHandshakeActivatesTheDeviceWithTheNegotiatedQueues() {
        List<MockDriverQueue> queues = driver.initialize(~0L, 2, RINGS);

        assertTrue(transport.isActive());
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, driver.status());
        assertEquals(2, device.activatedWith.size());
        assertEquals(16, device.activatedWith.get(0).size());
        assertEquals(8, device.activatedWith.get(1).size());
        assertEquals(queues.get(1).layout().size(), device.activatedWith.get(1).size());
    }

    @Test
    void queueRegistersReadBackAndNumMaxComesFromTheDevice() {
        driver.write(MmioRegister.QUEUE_SEL, 1);
        assertEquals(8, driver.read(MmioRegister.QUEUE_NUM_MAX));
        driver.write(MmioRegister.QUEUE_READY, 1);
        assertEquals(1, driver.read(MmioRegister.QUEUE_READY));
        driver.write(MmioRegister.QUEUE_SEL, 2);
        assertEquals(0, driver.read(MmioRegister.QUEUE_NUM_MAX), "no queue 2: Linux stops looking here");
        assertEquals(0, driver.read(MmioRegister.QUEUE_READY));
    }

    @Test
    void notificationsReachTheDeviceByMmioWriteAndByTheIoeventfdEntryPoint() {
        driver.initialize(~0L, 2, RINGS);
        driver.notify(1);
        transport.queueNotify(0);
        assertEquals(List.of(1, 0), device.notified);
    }

    @Test
    void notificationsForNonexistentQueuesAreIgnored() {
        driver.initialize(~0L, 2, RINGS);
        driver.notify(2);
        transport.queueNotify(-1);
        assertEquals(List.of(), device.notified);
    }

    @Test
    void usedBufferInterruptsSetBitZeroUntilAcknowledged() {
        driver.initialize(~0L, 2, RINGS);
        device.usedBuffers.trigger();

        assertEquals(1, interrupts.get());
        assertEquals(VirtioMmioTransport.INTERRUPT_USED_BUFFER, driver.acknowledgeInterrupt());
        assertEquals(0, driver.read(MmioRegister.INTERRUPT_STATUS));
    }

    @Test
    void configChangesBumpTheGenerationAndInterruptARunningDriver() {
        int before = driver.read(MmioRegister.CONFIG_GENERATION);
        transport.configChanged();
        assertEquals(before + 1, driver.read(MmioRegister.CONFIG_GENERATION));
        assertEquals(0, interrupts.get(), "no interrupt before DRIVER_OK");

        driver.initialize(~0L, 2, RINGS);
        transport.configChanged();
        assertEquals(before + 2, driver.read(MmioRegister.CONFIG_GENERATION));
        assertEquals(1, interrupts.get());
        assertEquals(VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE, driver.acknowledgeInterrupt());
    }

    @Test
    void configSpaceStartsAt0x100AndAcceptsAnyWidth() {
        byte[] one = new byte[1];
        transport.read(0x103, one);
        assertEquals(4, one[0]);
        byte[] eight = new byte[8];
        transport.read(0x100, eight);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, eight);
        transport.write(0x104, new byte[2]);
        assertEquals(List.of("4/2"), device.configWrites);
    }

    @Test
    void sharedMemoryRegionsAreAbsent() {
        driver.write(MmioRegister.SHM_SEL, 0);
        assertEquals(-1, driver.read(MmioRegister.SHM_LEN_LOW));
        assertEquals(-1, driver.read(MmioRegister.SHM_LEN_HIGH));
    }

    @Test
    void registerAccessesThatAreNot32BitsWideAreIgnored() {
        byte[] two = {(byte) 0xff, (byte) 0xff};
        transport.read(MmioRegister.MAGIC_VALUE, two);
        assertArrayEquals(new byte[2], two);
        transport.write(MmioRegister.STATUS, new byte[] {ACKNOWLEDGE});
        transport.write(MmioRegister.STATUS + 2, new byte[4]);
        assertEquals(0, driver.status());
    }

    @Test
    void featuresOkIsRefusedForFeaturesTheDeviceDidNotOffer() {
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER);
        driver.write(MmioRegister.DRIVER_FEATURES_SEL, 1);
        driver.write(MmioRegister.DRIVER_FEATURES, (int) (VirtioFeatures.VERSION_1 >>> 32));
        driver.write(MmioRegister.DRIVER_FEATURES_SEL, 0);
        driver.write(MmioRegister.DRIVER_FEATURES, 1 << 5); // not offered
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assertEquals(ACKNOWLEDGE | DRIVER, driver.status(), "FEATURES_OK must not read back");
    }

    @Test
    void featuresOkIsRefusedToALegacyDriver() {
        assertFalse(driver.negotiate(~VirtioFeatures.VERSION_1));
    }

    @Test
    void featuresOkIsRefusedForFeatureWordsBeyondTheSecond() {
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER);
        driver.write(MmioRegister.DRIVER_FEATURES_SEL, 1);
        driver.write(MmioRegister.DRIVER_FEATURES, (int) (VirtioFeatures.VERSION_1 >>> 32));
        driver.write(MmioRegister.DRIVER_FEATURES_SEL, 2);
        driver.write(MmioRegister.DRIVER_FEATURES, 1);
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER | FEATURES_OK);
        assertEquals(ACKNOWLEDGE | DRIVER, driver.status());
    }

    @Test
    void statusBitsMustBeSetInOrder() {
        driver.write(MmioRegister.STATUS, DRIVER);
        assertEquals(0, driver.status(), "DRIVER before ACKNOWLEDGE");
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | FEATURES_OK);
        assertEquals(ACKNOWLEDGE, driver.status(), "FEATURES_OK before DRIVER");
    }

    @Test
    void onlyAResetMayClearStatusBits() {
        driver.initialize(~0L, 2, RINGS);
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER);
        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK, driver.status());
        assertTrue(transport.isActive());
    }

    @Test
    void driverOkWithoutFeaturesOkIsRejected() {
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER);
        driver.setUpQueues(2, 8, RINGS);
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DRIVER | DRIVER_OK);
        assertNotActivatedAndNeedsReset();
    }

    @Test
    void aQueueSizeThatIsNotAPowerOfTwoIsRejectedAtDriverOk() {
        driver.negotiate(~0L);
        driver.setUpQueues(2, 16, RINGS);
        driver.programQueue(0, 12, 0x1000, 0x1100, 0x1200);
        driver.driverOk();
        assertNotActivatedAndNeedsReset();
        assertEquals(1, interrupts.get(), "DRIVER_OK was set, so the driver hears about it");
        assertEquals(VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE, driver.acknowledgeInterrupt());
    }

    @Test
    void aQueueLargerThanNumMaxIsRejected() {
        driver.negotiate(~0L);
        driver.setUpQueues(2, 16, RINGS);
        driver.programQueue(1, 16, 0x3000, 0x3100, 0x3200); // queue 1 allows 8
        driver.driverOk();
        assertNotActivatedAndNeedsReset();
    }

    @Test
    void ringsOutsideRamAreRejected() {
        driver.negotiate(~0L);
        driver.setUpQueues(2, 16, RINGS);
        driver.programQueue(0, 16, 0x1000, 0x1100, 0x9_0000_0000L);
        driver.driverOk();
        assertNotActivatedAndNeedsReset();
    }

    @Test
    void everyQueueMustBeReady() {
        driver.negotiate(~0L);
        driver.setUpQueues(1, 16, RINGS);
        driver.driverOk();
        assertNotActivatedAndNeedsReset();
    }

    @Test
    void aDeviceThatFailsToStartNeedsReset() {
        device.failActivation = true;
        driver.initialize(~0L, 2, RINGS);
        assertNotActivatedAndNeedsReset();
        assertEquals(1, device.resets, "a half-started device is reset");
    }

    @Test
    void notificationsBeforeDriverOkAreIgnoredAndTouchNothing() {
        driver.negotiate(~0L);
        List<MockDriverQueue> queues = driver.setUpQueues(2, 16, RINGS);
        queues.getFirst().addChain(writable(0x8000, 64));
        byte[] before = TestRam.snapshot(memory);

        driver.notify(0);
        transport.queueNotify(0);

        assertEquals(List.of(), device.notified);
        assertArrayEquals(before, TestRam.snapshot(memory));
    }

    @Test
    void queueRegistersCannotChangeUnderALiveDevice() {
        driver.initialize(~0L, 2, RINGS);
        driver.write(MmioRegister.QUEUE_SEL, 0);
        driver.write(MmioRegister.QUEUE_NUM, 2);
        driver.write(MmioRegister.QUEUE_READY, 0);
        assertEquals(1, driver.read(MmioRegister.QUEUE_READY));
        assertEquals(16, device.activatedWith.getFirst().size());
    }

    @Test
    void writingZeroToStatusResetsEverything() {
        List<MockDriverQueue> queues = driver.initialize(~0L, 2, RINGS);
        var liveQueue = device.activatedWith.getFirst();
        device.usedBuffers.trigger();

        driver.write(MmioRegister.STATUS, 0);

        assertEquals(1, device.resets);
        assertFalse(transport.isActive());
        assertEquals(0, driver.status());
        assertEquals(0, driver.read(MmioRegister.INTERRUPT_STATUS));
        driver.write(MmioRegister.QUEUE_SEL, 0);
        assertEquals(0, driver.read(MmioRegister.QUEUE_READY));
        queues.getFirst().addChain(writable(0x8000, 8));
        assertTrue(liveQueue.pop().isEmpty(), "queues of the previous activation are stopped");

        driver.initialize(~0L, 2, RINGS);
        assertTrue(transport.isActive(), "the device can be brought up again");
    }

    @Test
    void aQueueCorruptedAtRuntimeSetsNeedsResetWithAConfigInterrupt() {
        List<MockDriverQueue> queues = driver.initialize(~0L, 2, RINGS);
        queues.getFirst().setAvailIdx(100);

        driver.notify(0);

        assertEquals(ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK | DEVICE_NEEDS_RESET, driver.status());
        assertEquals(1, interrupts.get());
        assertEquals(VirtioMmioTransport.INTERRUPT_CONFIG_CHANGE, driver.acknowledgeInterrupt());

        driver.write(MmioRegister.STATUS, 0);
        assertEquals(0, driver.status(), "a reset clears DEVICE_NEEDS_RESET");
    }

    @Test
    void theDriverCannotSetNeedsResetItself() {
        driver.write(MmioRegister.STATUS, ACKNOWLEDGE | DEVICE_NEEDS_RESET);
        assertEquals(ACKNOWLEDGE, driver.status());
    }

    @Test
    void kernelCommandLineFragmentDeclaresTheDevice() {
        assertEquals("virtio_mmio.device=4K@0xd0000000:5",
                VirtioMmioTransport.kernelCmdlineFragment(0xd000_0000L, 5));
        assertThrows(IllegalArgumentException.class, () -> VirtioMmioTransport.kernelCmdlineFragment(0xd000_0800L, 5));
    }
}
