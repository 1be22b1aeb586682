package io.stockade.hypervisor.main;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.devices.virtio.net.MacAddress;
import io.stockade.hypervisor.vmm.DiskConfig;
import io.stockade.hypervisor.vmm.NetConfig;
import io.stockade.hypervisor.vmm.RngConfig;
import io.stockade.hypervisor.vmm.VmConfig;
import io.stockade.hypervisor.vmm.VsockConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class DeviceOptionsTest {

    private static VmConfig parse(String... args) {
        VmmCommand command = new VmmCommand();
        new CommandLine(command).parseArgs(args);
        return command.toConfig();
    }

    private static String rejection(String... args) {
        return assertThrows(ParameterException.class, () -> parse(args)).getMessage();
    }

    @Test
    void withoutDeviceOptionsTheVmHasNoVirtioDevices() {
        assertEquals(List.of(), parse("--kernel", "/k").devices());
    }

    @Test
    void devicesComeDisksFirstThenInterfacesVsockAndRng() {
        VmConfig config = parse("--kernel", "/k", "--rng", "--vsock", "cid=3,uds=/run/v.sock",
                "--disk", "/a.img", "--net", "tap=tap0", "--disk", "/b.img,ro,id=layer-1");
        assertEquals(List.of(
                new DiskConfig(Path.of("/a.img"), false, Optional.empty()),
                new DiskConfig(Path.of("/b.img"), true, Optional.of("layer-1")),
                new NetConfig("tap0", Optional.empty(), Optional.empty()),
                new VsockConfig(3, Path.of("/run/v.sock")),
                new RngConfig()), config.devices());
    }

    @Test
    void aNetworkInterfaceMayNameItsNamespaceAndMac() {
        NetConfig net = (NetConfig) parse("--kernel", "/k", "--net",
                "tap=eth-pod,netns=/var/run/netns/pod1,mac=52:54:00:12:34:56").devices().getFirst();
        assertEquals(Optional.of(Path.of("/var/run/netns/pod1")), net.netns());
        assertEquals(Optional.of(MacAddress.parse("52:54:00:12:34:56")), net.mac());
    }

    @Test
    void badDeviceValuesNameTheOptionAndTheProblem() {
        assertContains(rejection("--kernel", "/k", "--disk", "/a.img,rw"), "--disk /a.img,rw: unknown flag \"rw\"");
        assertContains(rejection("--kernel", "/k", "--disk", "/a.img,ro,ro"), "\"ro\" given twice");
        assertContains(rejection("--kernel", "/k", "--disk", "/a.img,,ro"), "empty item");
        assertContains(rejection("--kernel", "/k", "--disk", "/a.img,id=has space"), "printable ASCII");
        assertContains(rejection("--kernel", "/k", "--net", "mac=52:54:00:12:34:56"), "--net: tap=... is required");
        assertContains(rejection("--kernel", "/k", "--net", "tap=this-name-is-too-long"), "TAP name");
        assertContains(rejection("--kernel", "/k", "--net", "tap=t0,mac=01:00:00:00:00:01"), "multicast");
        assertContains(rejection("--kernel", "/k", "--vsock", "cid=2,uds=/v"), "guest CID 2 is outside");
        assertContains(rejection("--kernel", "/k", "--vsock", "cid=three,uds=/v"), "cid \"three\" is not a number");
        assertContains(rejection("--kernel", "/k", "--vsock", "cid=3"), "uds=... is required");
    }

    private static void assertContains(String message, String expected) {
        assertTrue(message.contains(expected), "\"" + message + "\" should contain \"" + expected + "\"");
    }
}
