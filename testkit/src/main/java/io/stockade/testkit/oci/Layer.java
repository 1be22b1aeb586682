package io.stockade.testkit.oci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One uncompressed image layer: a tar of a root filesystem (or of changes to one). Uncompressed, so its digest is
 * also its {@code diff_id}. Built with {@link #builder()}; parent directories are added automatically (mode 0755)
 * before the first entry below them.
 */
public final class Layer {
    private final byte[] tar;
    private final Digest digest;
    private final List<String> paths;

    private Layer(byte[] tar, List<String> paths) {
        this.tar = tar;
        this.digest = Digest.of(tar);
        this.paths = List.copyOf(paths);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The tar bytes (a copy). */
    public byte[] tar() {
        return tar.clone();
    }

    public long size() {
        return tar.length;
    }

    /** The digest of the tar; equal to the layer's diff_id because the layer is not compressed. */
    public Digest digest() {
        return digest;
    }

    /** Every path in the layer, in archive order, without leading or trailing slashes. */
    public List<String> paths() {
        return paths;
    }

    /** Collects the entries of a {@link Layer}. Paths are relative to the root; a leading slash is dropped. */
    public static final class Builder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarWriter tar = new TarWriter(bytes);
        private final Set<String> written = new LinkedHashSet<>();
        private final List<String> order = new ArrayList<>();

        private Builder() {
        }

        public Builder directory(String path, int mode) {
            String name = normalize(path);
            ensureParents(name);
            if (written.add(name)) {
                order.add(name);
                io(() -> tar.directory(name, mode));
            }
            return this;
        }

        public Builder file(String path, int mode, byte[] content) {
            String name = claim(path);
            io(() -> tar.file(name, mode, content));
            return this;
        }

        public Builder symlink(String path, String target) {
            String name = claim(path);
            io(() -> tar.symlink(name, target));
            return this;
        }

        public Layer build() {
            io(tar::close);
            return new Layer(bytes.toByteArray(), order);
        }

        private String claim(String path) {
            String name = normalize(path);
            ensureParents(name);
            if (!written.add(name)) {
                throw new IllegalArgumentException("layer already has an entry at " + name);
            }
            order.add(name);
            return name;
        }

        private void ensureParents(String name) {
            int slash = name.lastIndexOf('/');
            if (slash > 0) {
                directory(name.substring(0, slash), 0755);
            }
        }

        private static String normalize(String path) {
            String name = path;
            while (name.startsWith("/")) {
                name = name.substring(1);
            }
            while (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            if (name.isEmpty() || name.equals(".") || name.startsWith("../") || name.contains("/../")
                    || name.endsWith("/..") || name.equals("..") || name.contains("//")) {
                throw new IllegalArgumentException("not a path inside a layer: '" + path + "'");
            }
            return name;
        }

        private interface TarStep {
            void run() throws IOException;
        }

        private static void io(TarStep step) {
            try {
                step.run();
            } catch (IOException e) {
                // The tar goes to memory: an IOException here would be a bug, not an environment problem.
                throw new UncheckedIOException("cannot write a layer entry", e);
            }
        }
    }
}
