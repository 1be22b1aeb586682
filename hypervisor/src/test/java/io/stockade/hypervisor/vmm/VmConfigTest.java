package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
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

    private static void assertMessage(String prefix, org.junit.jupiter.api.function.Executable action) {
        var e = assertThrows(InvalidVmConfigException.class, action);
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
