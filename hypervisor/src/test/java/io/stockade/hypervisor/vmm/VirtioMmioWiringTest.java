package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VirtioMmioWiringTest {

    private static final VirtioSlot SLOT = new VirtioSlot(0xD000_1000L, 6);

    private final List<String> events = new CopyOnWriteArrayList<>();
    private final RecordingRouting kvm = new RecordingRouting(events);
    private final GuestMemory memory = GuestMemory.ofHeap(List.of(new RegionSpec(0, 1 << 20)));
    private final MmioBus mmio = new MmioBus();
    private final EventLoop loop = EventLoop.start("wiring-test");
    private final ResourceStack resources = new ResourceStack();

    @AfterEach
    void release() {
        resources.close();
        loop.close();
        memory.close();
    }

    @Test
    void aDeviceGetsItsIrqfdItsRegistersAndOneDataMatchedIoeventfdPerQueue() {
        TwoQueueDevice device = new TwoQueueDevice(events);
        VirtioMmioWiring.attach(() -> device, SLOT, memory, mmio, kvm, loop, resources);

        assertEquals(List.of("irqfd 6", "ioeventfd 0xd0001050/4=0", "ioeventfd 0xd0001050/4=1"), events);
        byte[] magic = new byte[4];
        assertTrue(mmio.read(SLOT.base(), magic), "the transport answers at the slot's base");
        assertEquals("virt", new String(magic, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void teardownStopsTheKicksThenResetsAndClosesTheDeviceThenDropsItsInterrupt() {
        VirtioMmioWiring.attach(() -> new TwoQueueDevice(events), SLOT, memory, mmio, kvm, loop, resources);
        events.clear();

        resources.close();

        assertEquals(List.of("-ioeventfd 0xd0001050/4=1", "-ioeventfd 0xd0001050/4=0", "reset", "close",
                "-irqfd 6"), events);
    }

    @Test
    void aDeviceThatCannotBeCreatedLeavesNothingBehind() {
        var e = assertThrows(IllegalStateException.class, () -> VirtioMmioWiring.attach(() -> {
            throw new IllegalStateException("disk gone");
        }, SLOT, memory, mmio, kvm, loop, resources));
        assertEquals("disk gone", e.getMessage());

        resources.close();
        assertEquals(List.of("irqfd 6", "-irqfd 6"), events);
    }

    @Test
    void aGuestKickOnTheIoeventfdRunsTheQueuesNotificationOnTheEventLoop() throws Exception {
        BlockingQueue<String> kicks = new LinkedBlockingQueue<>();
        VirtioMmioWiring.wireQueueNotify("dev", 3, SLOT.queueNotifyAddress(),
                queue -> kicks.add(queue + " on " + (loop.inLoop() ? "the loop" : Thread.currentThread().getName())),
                kvm, loop, resources);

        kvm.ioeventfds.getFirst().write(1); // what KVM does when the guest writes 3 to QueueNotify

        assertEquals("3 on the loop", kicks.poll(30, TimeUnit.SECONDS));
    }

    /** Two queues; records reset and close into the shared event list. */
    private record TwoQueueDevice(List<String> events) implements VirtioDevice, AutoCloseable {
        @Override
        public DeviceType deviceType() {
            return DeviceType.ENTROPY;
        }

        @Override
        public String name() {
            return "two-queue device";
        }

        @Override
        public long deviceFeatures() {
            return VirtioFeatures.VERSION_1;
        }

        @Override
        public List<Integer> queueMaxSizes() {
            return List.of(16, 16);
        }

        @Override
        public void readConfig(long offset, byte[] data) {
        }

        @Override
        public void writeConfig(long offset, byte[] data) {
        }

        @Override
        public void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        }

        @Override
        public void queueNotify(int queueIndex) {
        }

        @Override
        public void reset() {
            events.add("reset");
        }

        @Override
        public void close() {
            events.add("close");
        }
    }
}
