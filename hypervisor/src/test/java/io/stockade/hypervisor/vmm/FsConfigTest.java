package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class FsConfigTest {

    @TempDir
    Path dir;

    @Test
    void theTagBecomesTheDevicesMountTagWithOneRequestQueue() {
        FsConfig fs = new FsConfig("shared", Path.of("/run/vfs.sock"));
        assertEquals("shared", fs.deviceConfig().tag());
        assertEquals(1, fs.deviceConfig().requestQueues());
        assertEquals(FsConfig.QUEUE_SIZE, fs.deviceConfig().queueSize());
        assertEquals("fs shared (/run/vfs.sock)", fs.describe());
    }

    @Test
    void aTagMustFitTheConfigurationSpace() {
        new FsConfig("t".repeat(36), Path.of("/s"));
        assertMessage("fs: virtio-fs tag '" + "t".repeat(37) + "' is 37 bytes",
                () -> new FsConfig("t".repeat(37), Path.of("/s")));
        assertMessage("fs: a mount tag is required", () -> new FsConfig("", Path.of("/s")));
        assertMessage("fs: a mount tag is required", () -> new FsConfig(null, Path.of("/s")));
        assertMessage("fs: virtio-fs tag 'a?b' contains a NUL", () -> new FsConfig("a\0b", Path.of("/s")));
        assertMessage("fs: tag \"a,b\" contains ','", () -> new FsConfig("a,b", Path.of("/s")));
    }

    @Test
    void theSocketPathMustFitASocketAddress() {
        new FsConfig("t", Path.of("/" + "s".repeat(VmConfig.MAX_SOCKET_PATH_BYTES - 1)));
        assertMessage("fs t: socket path /sss", () -> new FsConfig("t",
                Path.of("/" + "s".repeat(VmConfig.MAX_SOCKET_PATH_BYTES))));
        assertMessage("fs t: the backend's socket path is required", () -> new FsConfig("t", null));
    }

    @Test
    void twoSharesCannotHaveTheSameTag() {
        VmConfig base = VmConfig.withDefaults(Path.of("/k"));
        assertEquals(2, base.withDevices(List.of(new FsConfig("a", Path.of("/s1")),
                new FsConfig("b", Path.of("/s2")))).devices().size());
        assertMessage("fs a (/s2): another fs device already has tag a", () -> base.withDevices(List.of(
                new FsConfig("a", Path.of("/s1")), new FsConfig("a", Path.of("/s2")))));
    }

    @Test
    void theBackendsSocketMustExistWhenTheVmIsBuilt() throws Exception {
        Path kernel = Files.writeString(dir.resolve("vmlinux"), "elf");
        VmConfig base = new VmConfig(kernel, Optional.empty(), "", 1, 128, new SerialOutput.Discard(),
                Optional.empty(), true);
        Path socket = dir.resolve("vfs.sock");
        assertMessage("fs shared (" + socket + "): " + socket + " does not exist (is virtiofsd running?)",
                base.withDevices(List.of(new FsConfig("shared", socket)))::checkHostFiles);
        Files.createFile(socket);
        base.withDevices(List.of(new FsConfig("shared", socket))).checkHostFiles();
    }

    private static void assertMessage(String prefix, Executable action) {
        var e = assertThrows(InvalidVmConfigException.class, action);
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
