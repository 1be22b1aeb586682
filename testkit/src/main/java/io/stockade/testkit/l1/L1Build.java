package io.stockade.testkit.l1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The output of {@code scripts/l1/build.sh}: L1's kernel, its initramfs and the extracted Debian kernel package.
 * The script caches by a hash of its inputs, so {@link #get()} is cheap after the first build on a machine.
 *
 * @param dir           the build's cache directory
 * @param kernelTree    the extracted {@code linux-image-*} package
 * @param kernelRelease e.g. {@code 6.1.0-56-amd64}
 */
record L1Build(Path dir, Path vmlinuz, Path initrd, Path kernelTree, String kernelRelease) {
    /** Overrides where build.sh is found (default: {@code scripts/l1/build.sh} in the nearest enclosing checkout). */
    static final String SCRIPT_PROPERTY = "stockade.l1.buildScript";
    private static final long BUILD_TIMEOUT_MINUTES = 20;

    private static L1Build current;

    /**
     * Builds L1 on first use in this JVM (a fast no-op when the machine's cache is current). A failed build is not
     * remembered: the next call tries again and reports its own error.
     */
    static synchronized L1Build get() {
        if (current == null) {
            current = run(locateScript());
        }
        return current;
    }

    static L1Build fromDirectory(Path dir) {
        Path vmlinuz = dir.resolve("vmlinuz");
        Path initrd = dir.resolve("initrd.cpio.gz");
        Path releaseFile = dir.resolve("kernel-release");
        for (Path required : List.of(vmlinuz, initrd, releaseFile, dir.resolve("kernel"))) {
            if (!Files.exists(required)) {
                throw new IllegalStateException("L1 build dir " + dir + " lacks " + required.getFileName()
                        + "; delete the dir and run scripts/l1/build.sh again");
            }
        }
        try {
            String release = Files.readString(releaseFile).strip();
            return new L1Build(dir, vmlinuz, initrd, dir.resolve("kernel").toRealPath(), release);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the L1 build in " + dir, e);
        }
    }

    static Path locateScript() {
        String configured = System.getProperty(SCRIPT_PROPERTY);
        if (configured != null) {
            return Path.of(configured).toAbsolutePath();
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts/l1/build.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("no scripts/l1/build.sh in " + start + " or any parent directory; set -D"
                + SCRIPT_PROPERTY + "=<path>");
    }

    private static L1Build run(Path script) {
        try {
            Path log = Files.createTempFile("stockade-l1-build-", ".log");
            Path out = Files.createTempFile("stockade-l1-build-", ".out");
            try {
                Process build = new ProcessBuilder(script.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile())
                        .redirectError(log.toFile())
                        .start();
                if (!build.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    build.destroyForcibly();
                    throw new IllegalStateException(script + " did not finish within " + BUILD_TIMEOUT_MINUTES
                            + " minutes; its log:\n" + Files.readString(log));
                }
                if (build.exitValue() != 0) {
                    throw new IllegalStateException(script + " failed with exit code " + build.exitValue()
                            + "; its log:\n" + Files.readString(log));
                }
                List<String> lines = Files.readString(out, StandardCharsets.UTF_8).lines().toList();
                if (lines.isEmpty()) {
                    throw new IllegalStateException(script + " printed no output directory; its log:\n"
                            + Files.readString(log));
                }
                return fromDirectory(Path.of(lines.getLast()));
            } finally {
                Files.deleteIfExists(log);
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + script, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building L1 with " + script, e);
        }
    }
}
