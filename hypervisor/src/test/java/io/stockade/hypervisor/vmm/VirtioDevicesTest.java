package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.bus.MmioBus;
import io.stockade.hypervisor.devices.virtio.DeviceType;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioDevicesTest {

    @TempDir
    Path dir;

    private final RecordingRouting kvm = new RecordingRouting();
    private final GuestMemory memory = GuestMemory.ofHeap(List.of(new RegionSpec(0, 1 << 20)));
    private final MmioBus mmio = new MmioBus();
    private final ResourceStack resources = new ResourceStack();

    @AfterEach
    void release() {
        resources.close();
        memory.close();
    }

    @Test
    void devicesAreAttachedInConfigOrderAndAnnouncedOnTheCommandLineAndInTheDsdt() throws Exception {
        Path image = Files.write(dir.resolve("disk.img"), new byte[8192]);
        VirtioDevices devices = VirtioDevices.attach(List.of(
                new DiskConfig(image, true, Optional.of("root")), new RngConfig()), memory, mmio, kvm, resources);

        assertEquals(List.of(DeviceType.BLOCK, DeviceType.ENTROPY),
                devices.attached().stream().map(a -> a.transport().device().deviceType()).toList());
        assertEquals("virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6",
                devices.cmdlineFragments());
        assertEquals(List.of(0xD000_0000L, 0xD000_1000L),
                devices.acpiDevices().stream().map(d -> d.address()).toList());
        assertEquals(List.of(5, 6), devices.acpiDevices().stream().map(d -> d.gsi()).toList());
        assertEquals(List.of("irqfd 5", "ioeventfd 0xd0000050/4=0", "irqfd 6", "ioeventfd 0xd0001050/4=0"),
                kvm.calls);
    }

    @Test
    void noDevicesMeansNoEventLoopAndNothingOnTheCommandLine() {
        VirtioDevices devices = VirtioDevices.attach(List.of(), memory, mmio, kvm, resources);
        assertEquals("", devices.cmdlineFragments());
        assertEquals(List.of(), devices.acpiDevices());
        assertEquals(List.of(), kvm.calls);
    }

    @Test
    void aDiskThatCannotBeOpenedIsAConfigErrorNamingItAndWhatWasBuiltIsReleased() throws Exception {
        Path image = Files.write(dir.resolve("ok.img"), new byte[8192]);
        Path missing = dir.resolve("missing.img");
        var e = assertThrows(InvalidVmConfigException.class, () -> VirtioDevices.attach(List.of(
                new DiskConfig(image, false, Optional.empty()), new DiskConfig(missing, false, Optional.empty())),
                memory, mmio, kvm, resources));
        assertTrue(e.getMessage().startsWith("disk " + missing + ": "), e.getMessage());

        resources.close();
        assertEquals(List.of("irqfd 5", "ioeventfd 0xd0000050/4=0", "irqfd 6", "-irqfd 6",
                "-ioeventfd 0xd0000050/4=0", "-irqfd 5"), kvm.calls);
    }

    @Test
    void aRandomMacIsUnicastAndLocallyAdministered() {
        for (int i = 0; i < 100; i++) {
            byte first = VirtioDevices.randomLocalMac().bytes()[0];
            assertEquals(0x02, first & 0x03, "first byte " + Integer.toHexString(first & 0xff));
        }
    }
}
