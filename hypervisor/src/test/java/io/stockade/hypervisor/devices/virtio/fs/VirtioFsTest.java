package io.stockade.hypervisor.devices.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import io.stockade.hypervisor.vhostuser.ProtocolFeatures;
import io.stockade.hypervisor.vhostuser.VhostUserException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioFsTest {
    private static final long VIRTIO_AND_PROTOCOL = VirtioFeatures.VERSION_1
            | ProtocolFeatures.VHOST_USER_F_PROTOCOL_FEATURES;
    private static final long MQ_AND_ACK = ProtocolFeatures.MQ | ProtocolFeatures.REPLY_ACK;

    @TempDir
    Path dir;

    private final EventLoop loop = EventLoop.start("virtio-fs-test");

    @AfterEach
    void stopLoop() {
        loop.close();
    }

    private VirtioFs connect(FakeVhostUserBackend backend) {
        return VirtioFs.connect(VirtioFsConfig.of("shared", 128), backend.socket(), Duration.ofSeconds(5), loop);
    }

    @Test
    void negotiatesOwnerFeaturesProtocolFeaturesAndQueueCountOnConnect() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK | ProtocolFeatures.CONFIG, 2); VirtioFs fs = connect(backend)) {
            assertEquals(List.of(3, 1, 15, 16, 17), backend.requests());
        }
    }

    @Test
    void showsTheGuestAFileSystemDeviceWithTheTagAndOneRequestQueue() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK, 2); VirtioFs fs = connect(backend)) {
            assertEquals(DeviceType.FS, fs.deviceType());
            assertEquals(VirtioFeatures.VERSION_1, fs.deviceFeatures());
            assertEquals(List.of(128, 128), fs.queueMaxSizes());
            byte[] tag = new byte[8];
            fs.readConfig(0, tag);
            assertArrayEquals(new byte[] {'s', 'h', 'a', 'r', 'e', 'd', 0, 0}, tag);
            byte[] queues = new byte[6];
            fs.readConfig(36, queues);
            assertArrayEquals(new byte[] {1, 0, 0, 0, 0, 0}, queues, "num_request_queues, then zeros past the end");
        }
    }

    @Test
    void aBackendWithoutVersion1IsRefusedAndDisconnected() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"),
                ProtocolFeatures.VHOST_USER_F_PROTOCOL_FEATURES, MQ_AND_ACK, 2)) {
            VhostUserException e = assertThrows(VhostUserException.class, () -> connect(backend));
            assertTrue(e.getMessage().contains("VIRTIO_F_VERSION_1") && e.getMessage().contains("fs.sock"),
                    e.getMessage());
        }
    }

    @Test
    void aBackendWithTooFewQueuesIsRefused() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK, 1)) {
            VhostUserException e = assertThrows(VhostUserException.class, () -> connect(backend));
            assertTrue(e.getMessage().contains("supports 1 queues") && e.getMessage().contains("needs 2"),
                    e.getMessage());
        }
    }

    @Test
    void activationWithHeapMemoryFailsCleanlyAndTheDeviceStaysUsable() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK, 2); VirtioFs fs = connect(backend);
             GuestMemory heap = GuestMemory.ofHeap(List.of(new RegionSpec(0, 0x10_0000)))) {
            List<Virtqueue> queues = queues(heap);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> fs.activate(heap, queues, () -> { }));
            assertTrue(e.getMessage().contains("createMemfd"), e.getMessage());
            try (GuestMemory shared = GuestMemory.createMemfd("virtio-fs-test",
                    List.of(new RegionSpec(0, 0x10_0000)))) {
                fs.activate(shared, queues(shared), () -> { });
                fs.queueNotify(1);
                fs.reset();
            }
            assertTrue(backend.requests().containsAll(List.of(2, 5, 8, 9, 10, 12, 13, 18, 11)),
                    backend.requests().toString());
        }
    }

    @Test
    void activationWithTheWrongNumberOfQueuesIsRefused() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK, 2); VirtioFs fs = connect(backend);
             GuestMemory shared = GuestMemory.createMemfd("virtio-fs-test", List.of(new RegionSpec(0, 0x10_0000)))) {
            List<Virtqueue> one = queues(shared).subList(0, 1);
            assertThrows(IllegalStateException.class, () -> fs.activate(shared, one, () -> { }));
        }
    }

    @Test
    void kicksBeforeActivationAndForUnknownQueuesAreIgnored() throws Exception {
        try (FakeVhostUserBackend backend = new FakeVhostUserBackend(dir.resolve("fs.sock"), VIRTIO_AND_PROTOCOL,
                MQ_AND_ACK, 2); VirtioFs fs = connect(backend)) {
            fs.queueNotify(1);
            fs.queueNotify(-1);
            fs.queueNotify(7);
            fs.reset();
        }
    }

    private static List<Virtqueue> queues(GuestMemory memory) {
        MockDriverQueue hiprio = new MockDriverQueue(memory, 0x1000, 128);
        MockDriverQueue requests = new MockDriverQueue(memory, 0x8000, 128);
        return List.of(Virtqueue.create("test", 0, memory, hiprio.layout(), VirtioFeatures.VERSION_1, r -> { }),
                Virtqueue.create("test", 1, memory, requests.layout(), VirtioFeatures.VERSION_1, r -> { }));
    }
}
