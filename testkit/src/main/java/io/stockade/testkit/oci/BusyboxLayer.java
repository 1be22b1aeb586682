package io.stockade.testkit.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A minimal Linux root filesystem as one {@link Layer}: a statically linked busybox at {@code /bin/busybox}, a
 * symlink for every applet it lists ({@code busybox --list-full}), {@code /etc/passwd} and {@code /etc/group} with
 * root and nobody, and the empty directories runtimes mount over.
 */
public final class BusyboxLayer {
    /** Debian's busybox-static puts a statically linked binary here. */
    public static final Path DEFAULT_BUSYBOX = Path.of("/bin/busybox");
    static final String PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
    static final String GROUP = "root:x:0:\nnogroup:x:65534:\n";
    private static final List<String> EMPTY_DIRECTORIES = List.of("dev", "proc", "sys", "run", "var", "root");

    private BusyboxLayer() {
    }

    /** The layer built from {@link #DEFAULT_BUSYBOX}. */
    public static Layer create() {
        return create(DEFAULT_BUSYBOX);
    }

    /** The layer built from this busybox binary, which must be statically linked to run in any container. */
    public static Layer create(Path busybox) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(busybox);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read busybox at " + busybox
                    + " (Debian: apt-get install busybox-static)", e);
        }
        Layer.Builder layer = Layer.builder()
                .file("bin/busybox", 0755, binary)
                .file("etc/passwd", 0644, PASSWD.getBytes(StandardCharsets.UTF_8))
                .file("etc/group", 0644, GROUP.getBytes(StandardCharsets.UTF_8))
                .directory("tmp", 01777);
        for (String directory : EMPTY_DIRECTORIES) {
            layer.directory(directory, 0755);
        }
        for (String applet : applets(busybox)) {
            if (!applet.equals("bin/busybox")) {
                layer.symlink(applet, "/bin/busybox");
            }
        }
        return layer.build();
    }

    /** The applet paths busybox installs itself as, relative to the root (e.g. {@code bin/sh}). */
    static List<String> applets(Path busybox) {
        ProcessBuilder builder = new ProcessBuilder(busybox.toString(), "--list-full")
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        try {
            Process process = builder.start();
            String output;
            try (InputStream in = process.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(busybox + " --list-full did not finish within 30 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(busybox + " --list-full exited with " + process.exitValue() + ": "
                        + output.strip());
            }
            List<String> applets = output.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
            if (applets.isEmpty()) {
                throw new IllegalStateException(busybox + " --list-full listed no applets");
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
