package io.stockade.hypervisor.vmm;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A virtio-blk disk backed by a raw image file.
 *
 * @param path the image; its size (rounded down to 512-byte sectors) is the disk's capacity
 * @param readOnly whether the guest may only read (the file is then opened without write access)
 * @param id what the guest reads as the disk's serial (GET_ID, {@code /dev/disk/by-id/virtio-<id>}): at most
 *        {@value #MAX_ID_BYTES} printable ASCII characters; without one the VMM uses {@code disk<n>}
 */
public record DiskConfig(Path path, boolean readOnly, Optional<String> id) implements VirtioDeviceConfig {

    /** virtio-blk's GET_ID answer is 20 bytes. */
    public static final int MAX_ID_BYTES = 20;

    public DiskConfig {
        if (path == null) {
            throw new InvalidVmConfigException("disk: an image path is required");
        }
        id = Objects.requireNonNullElse(id, Optional.empty());
        id.ifPresent(value -> {
            if (value.isEmpty() || value.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES
                    || !value.chars().allMatch(c -> c >= 0x21 && c < 0x7f)) {
                throw new InvalidVmConfigException("disk " + path + ": id \"" + value + "\" must be 1.."
                        + MAX_ID_BYTES + " printable ASCII characters without spaces");
            }
        });
    }

    /** The id the guest sees: the configured one, or {@code disk<index>}. */
    String idOrDefault(int index) {
        return id.orElse("disk" + index);
    }

    void checkHostFiles() {
        if (!Files.isRegularFile(path)) {
            throw new InvalidVmConfigException(describe() + ": " + path + " is not a regular file");
        }
        if (!Files.isReadable(path)) {
            throw new InvalidVmConfigException(describe() + ": " + path + " is not readable");
        }
        if (!readOnly && !Files.isWritable(path)) {
            throw new InvalidVmConfigException(describe() + ": " + path + " is not writable (add ,ro for a read-only"
                    + " disk)");
        }
    }

    @Override
    public String describe() {
        return "disk " + id.map(value -> value + " (" + path + ")").orElse(path.toString())
                + (readOnly ? " read-only" : "");
    }
}
