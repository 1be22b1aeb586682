package io.stockade.testkit.l1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

/**
 * Builds an initramfs (a gzip-compressed cpio "newc" archive) for a test guest: typically busybox with its applet
 * links and an {@code /init} script, which is enough for a guest kernel to boot to a shell and report on its serial
 * console. Written in Java so tests need no root, no staging directory and no cpio binary.
 *
 * <pre>{@code
 * Path initrd = Initramfs.withBusybox()
 *         .init("#!/bin/sh\necho hello from the guest\npoweroff -f\n")
 *         .file("etc/motd", "hi\n".getBytes(UTF_8), 0644)
 *         .writeGzip(tempDir.resolve("initrd.cpio.gz"));
 * }</pre>
 *
 * Paths are archive paths without a leading slash; missing parent directories are added (mode 0755).
 */
public final class Initramfs {
    /** Where Debian's busybox-static installs its binary. */
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

    private sealed interface Entry {
        record Directory(int permissions) implements Entry {}
        record File(int permissions, byte[] content) implements Entry {}
        record Symlink(String target) implements Entry {}
        record CharDevice(int permissions, int major, int minor) implements Entry {}
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private Initramfs() {
    }

    /** An empty archive, apart from {@code dev/console} (the kernel opens it for /init before any devtmpfs exists). */
    public static Initramfs empty() {
        return new Initramfs().charDevice("dev/console", 0600, 5, 1);
    }

    /**
     * An archive with the host's static busybox at {@code bin/busybox}, a symlink for each of its applets (so
     * {@code /bin/sh}, {@code /sbin/poweroff} ... work), and the usual mount points.
     *
     * @throws IllegalStateException if {@link #HOST_BUSYBOX} is missing or dynamically linked (install busybox-static)
     */
    public static Initramfs withBusybox() {
        return withBusybox(HOST_BUSYBOX);
    }

    /** As {@link #withBusybox()}, with busybox taken from {@code busybox}, which must be a static x86-64 binary. */
    public static Initramfs withBusybox(Path busybox) {
        byte[] binary = read(busybox);
        StaticElf.check(busybox, binary);
        Initramfs archive = empty().file("bin/busybox", binary, 0755);
        for (String applet : busyboxApplets(busybox)) {
            if (!applet.equals("bin/busybox")) {
                archive.symlink(applet, "/bin/busybox");
            }
        }
        for (String mountPoint : List.of("proc", "sys", "dev", "tmp", "run", "mnt")) {
            archive.directory(mountPoint);
        }
        return archive;
    }

    /** The {@code /init} the kernel runs as PID 1 (a script needs a {@code #!} line, e.g. {@code #!/bin/sh}). */
    public Initramfs init(String script) {
        return file("init", script.getBytes(StandardCharsets.UTF_8), 0755);
    }

    public Initramfs file(String path, byte[] content, int permissions) {
        return put(path, new Entry.File(checkPermissions(permissions), content.clone()));
    }

    /** Adds the host file {@code source} at {@code path}. */
    public Initramfs copy(Path source, String path, int permissions) {
        return file(path, read(source), permissions);
    }

    public Initramfs symlink(String path, String target) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("initramfs symlink " + path + " needs a target");
        }
        return put(path, new Entry.Symlink(target));
    }

    public Initramfs directory(String path) {
        return put(path, new Entry.Directory(0755));
    }

    public Initramfs charDevice(String path, int permissions, int major, int minor) {
        return put(path, new Entry.CharDevice(checkPermissions(permissions), major, minor));
    }

    /** The uncompressed cpio archive. */
    public byte[] toCpio() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        writeCpio(bytes);
        return bytes.toByteArray();
    }

    /** Writes the gzip-compressed archive (what {@code qemu -initrd} or a VMM loads) and returns {@code target}. */
    public Path writeGzip(Path target) {
        try (OutputStream file = Files.newOutputStream(target); GZIPOutputStream gzip = new GZIPOutputStream(file)) {
            writeCpio(gzip);
        } catch (IOException e) {
            throw new UncheckedIOException("writing initramfs " + target, e);
        }
        return target;
    }

    private void writeCpio(OutputStream out) {
        try (CpioWriter cpio = new CpioWriter(out)) {
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                String path = e.getKey();
                switch (e.getValue()) {
                    case Entry.Directory d -> cpio.directory(path, d.permissions());
                    case Entry.File f -> cpio.file(path, f.permissions(), f.content());
                    case Entry.Symlink s -> cpio.symlink(path, s.target());
                    case Entry.CharDevice c -> cpio.charDevice(path, c.permissions(), c.major(), c.minor());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing initramfs cpio", e);
        }
    }

    private Initramfs put(String path, Entry entry) {
        checkPath(path);
        int slash = path.lastIndexOf('/');
        if (slash > 0 && !entries.containsKey(path.substring(0, slash))) {
            directory(path.substring(0, slash));
        }
        if (entries.get(path) instanceof Entry.Directory && !(entry instanceof Entry.Directory)) {
            throw new IllegalArgumentException("initramfs path " + path + " is already a directory");
        }
        entries.put(path, entry);
        return this;
    }

    private static void checkPath(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/")) {
            throw new IllegalArgumentException("initramfs path must be relative without a trailing slash: '" + path + "'");
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("initramfs path has an empty, '.', '..' or NUL component: '"
                        + path.replace('\0', '?') + "'");
            }
        }
    }

    private static int checkPermissions(int permissions) {
        if ((permissions & ~07777) != 0) {
            throw new IllegalArgumentException("permissions must be within 07777, got 0" + Integer.toOctalString(permissions));
        }
        return permissions;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " for the initramfs", e);
        }
    }

    /** Applet paths such as {@code bin/sh} and {@code sbin/poweroff}, as busybox itself lists them. */
    private static List<String> busyboxApplets(Path busybox) {
        try {
            Process list = new ProcessBuilder(busybox.toString(), "--list-full")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<String> applets = new ArrayList<>(
                    new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                            .map(String::strip).filter(line -> !line.isEmpty()).toList());
            if (!list.waitFor(30, TimeUnit.SECONDS) || list.exitValue() != 0 || applets.isEmpty()) {
                list.destroyForcibly();
                throw new IllegalStateException(busybox + " --list-full did not list its applets");
            }
            return applets;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + busybox + " --list-full", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing busybox applets", e);
        }
    }
}
