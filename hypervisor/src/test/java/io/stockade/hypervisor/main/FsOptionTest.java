package io.stockade.hypervisor.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.vmm.FsConfig;
import io.stockade.hypervisor.vmm.RngConfig;
import io.stockade.hypervisor.vmm.VmConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** {@code --fs tag=TAG,socket=PATH}. */
class FsOptionTest {

    private static VmConfig parse(String... args) {
        VmmCommand command = new VmmCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    private static String rejection(String... args) {
        return assertThrows(ParameterException.class, () -> parse(args)).getMessage();
    }

    @Test
    void sharesComeAfterEveryOtherDeviceInTheOrderGiven() {
        VmConfig config = parse("--kernel", "/k", "--fs", "tag=shared,socket=/run/a.sock", "--rng",
                "--fs", "socket=/run/b.sock,tag=layers");
        assertEquals(List.of(new RngConfig(), new FsConfig("shared", Path.of("/run/a.sock")),
                new FsConfig("layers", Path.of("/run/b.sock"))), config.devices());
    }

    @Test
    void badValuesNameTheOptionAndTheProblem() {
        assertContains(rejection("--kernel", "/k", "--fs", "socket=/s"), "--fs: tag=... is required");
        assertContains(rejection("--kernel", "/k", "--fs", "tag=t"), "--fs: socket=... is required");
        assertContains(rejection("--kernel", "/k", "--fs", "tag=t,socket=/s,cache=never"),
                "--fs tag=t,socket=/s,cache=never: unknown key \"cache\" (expected socket=..., tag=...)");
        assertContains(rejection("--kernel", "/k", "--fs", "tag=" + "t".repeat(37) + ",socket=/s"), "37 bytes");
    }

    private static void assertContains(String message, String expected) {
        assertTrue(message.contains(expected), "\"" + message + "\" should contain \"" + expected + "\"");
    }
}
