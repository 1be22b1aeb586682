package io.stockade.testkit.containerd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An unpacked containerd package: the {@code containerd}, {@code ctr} and {@code containerd-shim-runc-v2} binaries.
 *
 * @param root the package root ({@code dpkg -x} target); binaries are under {@code usr/bin}
 */
public record ContainerdInstall(Path root) {
    /** Uses an already unpacked package at this path instead of running the fetch script. */
    public static final String ROOT_PROPERTY = "stockade.containerd.root";
    /** Overrides the checkout root in which {@code scripts/fetch-containerd.sh} is looked up. */
    public static final String REPO_ROOT_PROPERTY = "stockade.repo.root";
    static final String FETCH_SCRIPT = "scripts/fetch-containerd.sh";
    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(10);

    public ContainerdInstall {
        root = root.toAbsolutePath();
        for (Path binary : List.of(root.resolve("usr/bin/containerd"), root.resolve("usr/bin/ctr"))) {
            if (!Files.isExecutable(binary)) {
                throw new IllegalArgumentException("containerd install at " + root + " lacks executable " + binary
                        + "; delete it and run " + FETCH_SCRIPT + " again");
            }
        }
    }

    public Path containerd() {
        return root.resolve("usr/bin/containerd");
    }

    public Path ctr() {
        return root.resolve("usr/bin/ctr");
    }

    /** The directory holding the binaries; put it on containerd's PATH so it finds its runc shim. */
    public Path binDir() {
        return root.resolve("usr/bin");
    }

    private static final class Cached {
        static final ContainerdInstall INSTANCE = locateOrFetch();
    }

    /**
     * The install for this JVM: {@code -Dstockade.containerd.root} if set, else whatever
     * {@code scripts/fetch-containerd.sh} prints (it downloads and unpacks only on the first run on a machine).
     */
    public static ContainerdInstall get() {
        return Cached.INSTANCE;
    }

    private static ContainerdInstall locateOrFetch() {
        String configured = System.getProperty(ROOT_PROPERTY);
        if (configured != null) {
            return new ContainerdInstall(Path.of(configured));
        }
        Path script = locateFetchScript(Path.of("").toAbsolutePath(), System.getProperty(REPO_ROOT_PROPERTY));
        CommandResult fetched = ExternalCommand.run(List.of("bash", script.toString()), Map.of(), FETCH_TIMEOUT)
                .orThrow();
        List<String> lines = fetched.stdout().strip().lines().toList();
        if (lines.isEmpty()) {
            throw new IllegalStateException(script + " printed no install root; stderr:\n" + fetched.stderr());
        }
        return new ContainerdInstall(Path.of(lines.getLast()));
    }

    /** Finds the fetch script in {@code repoRoot} if given, else in {@code start} or its nearest ancestor having it. */
    static Path locateFetchScript(Path start, String repoRoot) {
        if (repoRoot != null) {
            Path script = Path.of(repoRoot).resolve(FETCH_SCRIPT);
            if (!Files.isRegularFile(script)) {
                throw new IllegalStateException("-D" + REPO_ROOT_PROPERTY + "=" + repoRoot + " has no " + FETCH_SCRIPT);
            }
            return script;
        }
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path script = dir.resolve(FETCH_SCRIPT);
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("no " + FETCH_SCRIPT + " in " + start + " or any parent directory; set -D"
                + REPO_ROOT_PROPERTY + "=<checkout> or -D" + ROOT_PROPERTY + "=<unpacked containerd package>");
    }
}
