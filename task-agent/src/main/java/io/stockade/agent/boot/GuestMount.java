package io.stockade.agent.boot;

import java.nio.file.Path;

/**
 * One mount PID 1 makes at boot.
 *
 * @param source the device or pseudo-source ("proc", a virtio-fs tag)
 * @param target the mount point (created if missing)
 * @param fsType the file system type
 * @param flags MS_* flags
 * @param data file-system options, possibly empty
 */
record GuestMount(String source, Path target, String fsType, long flags, String data) {}
