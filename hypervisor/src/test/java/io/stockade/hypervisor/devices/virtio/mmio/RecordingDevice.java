package io.stockade.hypervisor.devices.virtio.mmio;

import io.stockade.hypervisor.devices.Interrupt;
import io.stockade.hypervisor.devices.virtio.ConfigSpace;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.devices.virtio.VirtioDevice;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/** A device that only records what the transport asks of it: two queues (16 and 8 entries), 8 config bytes. */
final class RecordingDevice implements VirtioDevice {

    static final long DEVICE_SPECIFIC_FEATURE = 1L << 3;
    static final long FEATURES = VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX
            | VirtioFeatures.RING_INDIRECT_DESC | DEVICE_SPECIFIC_FEATURE;

    final List<Integer> notified = new ArrayList<>();
    final List<String> configWrites = new ArrayList<>();
    List<Virtqueue> activatedWith;
    Interrupt usedBuffers;
    int resets;
    boolean failActivation;
    private final ConfigSpace config = ConfigSpace.ofSize(8).withLong(0, 0x0807_0605_0403_0201L);

    @Override
    public DeviceType deviceType() {
        return DeviceType.VSOCK;
    }

    @Override
    public String name() {
        return "recording-dev";
    }

    @Override
    public long deviceFeatures() {
        return FEATURES;
    }

    @Override
    public List<Integer> queueMaxSizes() {
        return List.of(16, 8);
    }

    @Override
    public void readConfig(long offset, byte[] data) {
        config.read(offset, data);
    }

    @Override
    public void writeConfig(long offset, byte[] data) {
        configWrites.add(offset + "/" + data.length);
    }

    @Override
    public synchronized void activate(GuestMemory memory, List<Virtqueue> queues, Interrupt usedBuffers) {
        if (failActivation) {
            throw new IllegalStateException("backend is gone");
        }
        this.activatedWith = queues;
        this.usedBuffers = usedBuffers;
    }

    @Override
    public synchronized void queueNotify(int queueIndex) {
        notified.add(queueIndex);
        activatedWith.get(queueIndex).pop(); // lets a hostile ring break the queue
    }

    @Override
    public synchronized void reset() {
        resets++;
        activatedWith = null;
    }
}
