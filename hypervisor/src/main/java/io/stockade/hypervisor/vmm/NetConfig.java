package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.devices.virtio.net.MacAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A virtio-net interface backed by an existing TAP device.
 *
 * @param tap the TAP interface's name (at most {@value #MAX_TAP_NAME_BYTES} bytes, Linux's IFNAMSIZ − 1)
 * @param netns the network namespace (e.g. {@code /var/run/netns/pod1}) the TAP lives in; the host's own if empty
 * @param mac the guest's MAC address; a random locally administered one if empty
 */
public record NetConfig(String tap, Optional<Path> netns, Optional<MacAddress> mac)
        implements VirtioDeviceConfig {

    public static final int MAX_TAP_NAME_BYTES = 15;

    public NetConfig {
        if (tap == null || tap.isEmpty()) {
            throw new InvalidVmConfigException("net: a TAP interface name is required");
        }
        int length = tap.getBytes(StandardCharsets.UTF_8).length;
        if (length > MAX_TAP_NAME_BYTES || tap.equals(".") || tap.equals("..")
                || !tap.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '/' && c != ':')) {
            throw new InvalidVmConfigException("net: TAP name \"" + tap + "\" must be 1.." + MAX_TAP_NAME_BYTES
                    + " printable ASCII characters without spaces, '/' or ':'");
        }
        netns = Objects.requireNonNullElse(netns, Optional.empty());
        mac = Objects.requireNonNullElse(mac, Optional.empty());
    }

    @Override
    public String describe() {
        return "net " + tap + netns.map(path -> " in " + path).orElse("");
    }
}
