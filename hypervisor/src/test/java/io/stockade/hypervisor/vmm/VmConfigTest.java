package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmConfigTest {

    @TempDir
    Path dir;

    private static VmConfig config(String cmdline, int vcpus, long memoryMib, Optional<Path> apiSocket) {
        return new VmConfig(Path.of("/k"), Optional.empty(), cmdline, vcpus, memoryMib, new SerialOutput.Stdout(),
                apiSocket, true);
    }

    @Test
    void acceptsTheBoundsOfEveryRange() {
        config("", 1, VmConfig.MIN_MEMORY_MIB, Optional.empty());
        config("x".repeat(VmConfig.MAX_CMDLINE_BYTES - 1), VmConfig.MAX_VCPUS, VmConfig.MAX_MEMORY_MIB, Optional.empty());
        assertEquals(256L << 20, config("", 1, 256, Optional.empty()).memoryBytes());
    }

    @Test
    void rejectsWhatCannotBootNamingTheSetting() {
        assertMessage("vcpus: 255", () -> config("", 255, 128, Optional.empty()));
        assertMessage("memory: 15 MiB", () -> config("", 1, 15, Optional.empty()));
        assertMessage("cmdline: 2048 bytes", () -> config("x".repeat(2048), 1, 128, Optional.empty()));
        assertMessage("cmdline: contains a NUL", () -> config("a\0b", 1, 128, Optional.empty()));
        assertMessage("api socket: path", () -> config("", 1, 128, Optional.of(Path.of("/" + "s".repeat(107)))));
        assertMessage("kernel: a kernel image is required", () -> new VmConfig(null, Optional.empty(), "", 1, 128,
                null, Optional.empty(), true));
        assertMessage("serial: expected stdout, none or a file path", () -> SerialOutput.parse(""));
    }

    @Test
    void missingOptionalPartsTakeTheirDefaults() {
        VmConfig config = new VmConfig(Path.of("/k"), null, null, 1, 128, null, null, true);
        assertEquals(VmConfig.DEFAULT_CMDLINE, config.cmdline());
        assertEquals(new SerialOutput.Stdout(), config.serial());
        assertEquals(Optional.empty(), config.initrd());
    }

    @Test
    void anExistingApiSocketPathIsRefused() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "elf");
        Path socket = Files.createFile(dir.resolve("vmm.sock"));
        VmConfig config = new VmConfig(kernel, Optional.empty(), "", 1, 128, new SerialOutput.Discard(),
                Optional.of(socket), true);
        assertMessage("api socket: " + socket + " already exists", config::checkHostFiles);
    }

    private static VmConfig withDevices(VirtioDeviceConfig... devices) {
        return config("", 1, 128, Optional.empty()).withDevices(List.of(devices));
    }

    @Test
    void virtioDevicesAreCheckedWhenTheConfigIsMade() {
        assertMessage("disk root (/b.img): another disk already has id root", () -> withDevices(
                new DiskConfig(Path.of("/a.img"), false, Optional.of("root")),
                new DiskConfig(Path.of("/b.img"), false, Optional.of("root"))));
        assertMessage("disk disk0 (/b.img): another disk already has id disk0", () -> withDevices(
                new DiskConfig(Path.of("/a.img"), false, Optional.empty()),
                new DiskConfig(Path.of("/b.img"), false, Optional.of("disk0"))));
        assertMessage("disk /x/../a.img read-only: the image is already attached", () -> withDevices(
                new DiskConfig(Path.of("/a.img"), false, Optional.empty()),
                new DiskConfig(Path.of("/x/../a.img"), true, Optional.empty())));
        assertMessage("vsock cid 4 (/w): a VM has at most one vsock device", () -> withDevices(
                new VsockConfig(3, Path.of("/v")), new VsockConfig(4, Path.of("/w"))));
        assertMessage("net tap0: TAP attached twice", () -> withDevices(
                new NetConfig("tap0", Optional.empty(), Optional.empty()),
                new NetConfig("tap0", Optional.empty(), Optional.empty())));
        assertMessage("disk: an image path is required", () -> new DiskConfig(null, false, Optional.empty()));
        assertMessage("vsock: socket path", () -> new VsockConfig(3, Path.of("/" + "s".repeat(100))));
    }

    @Test
    void atMostOneDevicePerFreeInterruptLine() {
        VirtioDeviceConfig[] many = new VirtioDeviceConfig[VirtioSlots.MAX_DEVICES + 1];
        java.util.Arrays.fill(many, new RngConfig());
        assertEquals(VirtioSlots.MAX_DEVICES,
                withDevices(java.util.Arrays.copyOf(many, VirtioSlots.MAX_DEVICES)).devices().size());
        assertMessage("devices: 18 virtio devices, but only 17 interrupt lines", () -> withDevices(many));
    }

    @Test
    void diskImagesAndTheVsockSocketAreCheckedOnTheHost() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "elf");
        Path image = Files.write(dir.resolve("disk.img"), new byte[512]);
        VmConfig base = new VmConfig(kernel, Optional.empty(), "", 1, 128, new SerialOutput.Discard(),
                Optional.empty(), true);

        base.withDevices(List.of(new DiskConfig(image, false, Optional.empty()))).checkHostFiles();
        Path missing = dir.resolve("missing.img");
        assertMessage("disk " + missing + " read-only: " + missing + " is not a regular file",
                base.withDevices(List.of(new DiskConfig(missing, true, Optional.empty())))::checkHostFiles);
        Path socket = Files.createFile(dir.resolve("v.sock"));
        assertMessage("vsock cid 3 (" + socket + "): " + socket + " already exists",
                base.withDevices(List.of(new VsockConfig(3, socket)))::checkHostFiles);
    }

    private static void assertMessage(String prefix, org.junit.jupiter.api.function.Executable action) {
        var e = assertThrows(InvalidVmConfigException.class, action);
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
