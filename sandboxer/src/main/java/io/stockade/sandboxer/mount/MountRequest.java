package io.stockade.sandboxer.mount;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One mount as containerd describes it ({@code containerd.types.Mount}: type, source, options),
 * turned into what mount(2) takes: flags for the options the kernel knows as flags, the rest joined
 * as the data string (overlay's {@code lowerdir=...,upperdir=...,workdir=...}).
 *
 * @param type the filesystem type; {@code bind} (or an option {@code bind}/{@code rbind}) means a
 *     bind mount
 * @param source the device or directory
 * @param options the mount options
 */
public record MountRequest(String type, String source, List<String> options) {
    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final long MS_RELATIME = 1 << 21;
    static final long MS_STRICTATIME = 1 << 24;

    /**
     * Options that are flags (set) or clear nothing ({@code rw}, {@code suid}, ...: the default).
     */
    private static final Map<String, Long> FLAGS =
            Map.ofEntries(
                    Map.entry("ro", MS_RDONLY), Map.entry("rw", 0L),
                    Map.entry("nosuid", MS_NOSUID), Map.entry("suid", 0L),
                    Map.entry("nodev", MS_NODEV), Map.entry("dev", 0L),
                    Map.entry("noexec", MS_NOEXEC), Map.entry("exec", 0L),
                    Map.entry("noatime", MS_NOATIME), Map.entry("nodiratime", MS_NODIRATIME),
                    Map.entry("relatime", MS_RELATIME), Map.entry("strictatime", MS_STRICTATIME),
                    Map.entry("bind", MS_BIND), Map.entry("rbind", MS_BIND | MS_REC));

    public MountRequest {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        options = List.copyOf(options);
    }

    /** Whether this is a bind mount (by type or option). */
    public boolean isBind() {
        return type.equals("bind")
                || type.equals("rbind")
                || options.contains("bind")
                || options.contains("rbind");
    }

    long flags() {
        long flags = type.equals("rbind") ? MS_BIND | MS_REC : type.equals("bind") ? MS_BIND : 0;
        for (String option : options) {
            flags |= FLAGS.getOrDefault(option, 0L);
        }
        return flags;
    }

    /** The options that are not flags, comma-joined; null when there are none. */
    String data() {
        List<String> rest = new ArrayList<>();
        for (String option : options) {
            if (!FLAGS.containsKey(option)) {
                rest.add(option);
            }
        }
        return rest.isEmpty() ? null : String.join(",", rest);
    }

    /**
     * Checks what a peer sent before it reaches mount(2).
     *
     * @throws IllegalArgumentException naming the problem
     */
    public MountRequest validate() {
        if (!type.matches("[a-z0-9.]{1,32}")) {
            throw new IllegalArgumentException(
                    "mount type '" + type + "' is not a filesystem type name");
        }
        if (source.isEmpty() || source.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "mount of type " + type + " has an empty or NUL-containing source");
        }
        for (String option : options) {
            if (option.isEmpty() || option.indexOf('\0') >= 0 || option.indexOf(',') >= 0) {
                throw new IllegalArgumentException(
                        "mount of " + source + " has a bad option '" + option + "'");
            }
        }
        if (isBind() && !source.startsWith("/")) {
            throw new IllegalArgumentException(
                    "bind mount source '" + source + "' is not an absolute path");
        }
        return this;
    }
}
