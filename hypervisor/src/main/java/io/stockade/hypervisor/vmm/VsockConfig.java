package io.stockade.hypervisor.vmm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A virtio-vsock device whose host side is a unix socket (Firecracker's hybrid scheme: a host client connects to
 * {@code udsPath} and writes {@code CONNECT <port>}; a guest connection to port P reaches {@code udsPath_P}).
 *
 * @param guestCid the guest's context id, {@value #MIN_GUEST_CID}..0xfffffffe (0–2 are reserved)
 * @param udsPath the unix socket the VMM listens on; must not exist yet
 */
public record VsockConfig(long guestCid, Path udsPath) implements VirtioDeviceConfig {

    public static final long MIN_GUEST_CID = 3;
    public static final long MAX_GUEST_CID = 0xffff_fffeL;

    public VsockConfig {
        if (guestCid < MIN_GUEST_CID || guestCid > MAX_GUEST_CID) {
            throw new InvalidVmConfigException("vsock: guest CID " + guestCid + " is outside " + MIN_GUEST_CID
                    + ".." + MAX_GUEST_CID + " (0, 1 and 2 are reserved)");
        }
        if (udsPath == null) {
            throw new InvalidVmConfigException("vsock: a unix socket path is required");
        }
        // The VMM also binds udsPath_<port> for guest-initiated connections: leave room for the suffix.
        int length = udsPath.toString().getBytes(StandardCharsets.UTF_8).length + "_4294967295".length();
        if (length > VmConfig.MAX_SOCKET_PATH_BYTES) {
            throw new InvalidVmConfigException("vsock: socket path " + udsPath + " is too long: with a port suffix"
                    + " it needs " + length + " bytes, a unix socket path allows at most "
                    + VmConfig.MAX_SOCKET_PATH_BYTES);
        }
    }

    void checkHostFiles() {
        Path parent = udsPath.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new InvalidVmConfigException(describe() + ": directory of " + udsPath + " does not exist");
        }
        if (Files.exists(udsPath)) {
            throw new InvalidVmConfigException(describe() + ": " + udsPath + " already exists (another VMM running?)");
        }
    }

    @Override
    public String describe() {
        return "vsock cid " + guestCid + " (" + udsPath + ")";
    }
}
