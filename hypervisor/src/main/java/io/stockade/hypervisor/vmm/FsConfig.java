package io.stockade.hypervisor.vmm;

import io.stockade.hypervisor.devices.virtio.fs.VirtioFsConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A virtio-fs share served by an already running vhost-user backend (virtiofsd): the guest mounts it with
 * {@code mount -t virtiofs <tag> <dir>}. Starting and stopping the backend is the caller's job (the sandboxer runs
 * one per pod); the VMM only connects to its socket while the VM is built.
 *
 * @param tag the mount tag, 1..{@value VirtioFsConfig#TAG_BYTES} bytes of UTF-8 without NUL or ','
 * @param socket the backend's vhost-user unix socket
 */
public record FsConfig(String tag, Path socket) implements VirtioDeviceConfig {

    /** Entries per queue; what QEMU's vhost-user-fs uses by default and virtiofsd accepts. */
    static final int QUEUE_SIZE = 1024;

    public FsConfig {
        if (tag == null || tag.isEmpty()) {
            throw new InvalidVmConfigException("fs: a mount tag is required");
        }
        if (tag.indexOf(',') >= 0) {
            throw new InvalidVmConfigException("fs: tag \"" + tag + "\" contains ','");
        }
        try {
            VirtioFsConfig.of(tag, QUEUE_SIZE);
        } catch (IllegalArgumentException e) {
            throw new InvalidVmConfigException("fs: " + e.getMessage(), e);
        }
        if (socket == null) {
            throw new InvalidVmConfigException("fs " + tag + ": the backend's socket path is required");
        }
        int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > VmConfig.MAX_SOCKET_PATH_BYTES) {
            throw new InvalidVmConfigException("fs " + tag + ": socket path " + socket + " is " + length
                    + " bytes, a unix socket path allows at most " + VmConfig.MAX_SOCKET_PATH_BYTES);
        }
    }

    /** What the device shows the guest: the tag and one request queue. */
    VirtioFsConfig deviceConfig() {
        return VirtioFsConfig.of(tag, QUEUE_SIZE);
    }

    void checkHostFiles() {
        if (!Files.exists(socket)) {
            throw new InvalidVmConfigException(describe() + ": " + socket + " does not exist (is virtiofsd running?)");
        }
    }

    @Override
    public String describe() {
        return "fs " + tag + " (" + socket + ")";
    }
}
