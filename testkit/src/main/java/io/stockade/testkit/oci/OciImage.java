package io.stockade.testkit.oci;

import io.stockade.testkit.containerd.ContainerdFixture;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An image built by {@link OciImageBuilder}: its documents and layers with their digests, writable as an OCI image
 * layout tar ({@code oci-layout}, {@code index.json}, {@code blobs/sha256/*}) and importable into a containerd.
 */
public final class OciImage {
    /** The index annotation {@code ctr images import} names the image by. */
    public static final String CONTAINERD_NAME_ANNOTATION = "io.containerd.image.name";
    /** The standard OCI annotation for the tag. */
    public static final String REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
    static final String LAYOUT_FILE = "{\"imageLayoutVersion\":\"1.0.0\"}";

    private final String name;
    private final List<Layer> layers;
    private final byte[] config;
    private final byte[] manifest;
    private final byte[] index;

    OciImage(String name, List<Layer> layers, byte[] config, byte[] manifest, byte[] index) {
        this.name = name;
        this.layers = List.copyOf(layers);
        this.config = config;
        this.manifest = manifest;
        this.index = index;
    }

    /** The full reference, e.g. {@code docker.io/stockade/pause:e2e}. */
    public String name() {
        return name;
    }

    public Digest manifestDigest() {
        return Digest.of(manifest);
    }

    public Digest configDigest() {
        return Digest.of(config);
    }

    public List<Layer> layers() {
        return layers;
    }

    /** The image config JSON (a copy). */
    public byte[] config() {
        return config.clone();
    }

    /** The manifest JSON (a copy). */
    public byte[] manifest() {
        return manifest.clone();
    }

    /** The layout's index.json (a copy). */
    public byte[] index() {
        return index.clone();
    }

    /** Writes the image as an OCI image layout in a tar file, the form {@code ctr images import} reads. */
    public void writeLayoutTar(Path tarFile) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tarFile));
             TarWriter tar = new TarWriter(out)) {
            tar.file("oci-layout", 0644, LAYOUT_FILE.getBytes(StandardCharsets.UTF_8));
            tar.file("index.json", 0644, index);
            tar.directory("blobs", 0755);
            tar.directory("blobs/sha256", 0755);
            Set<Digest> written = new LinkedHashSet<>();
            blob(tar, written, manifest);
            blob(tar, written, config);
            for (Layer layer : layers) {
                blob(tar, written, layer.tar());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the layout of " + name + " to " + tarFile, e);
        }
    }

    private static void blob(TarWriter tar, Set<Digest> written, byte[] content) throws IOException {
        Digest digest = Digest.of(content);
        // Two identical layers are one blob.
        if (written.add(digest)) {
            tar.file(digest.blobPath(), 0644, content);
        }
    }

    /**
     * Imports the image into {@code containerd} in {@code namespace} ({@code k8s.io} for CRI) with
     * {@code ctr images import}, which also unpacks it into the default snapshotter.
     */
    public void importInto(ContainerdFixture containerd, String namespace) {
        Path tarFile;
        try {
            tarFile = Files.createTempFile("stockade-oci-", ".tar");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp file for the layout of " + name, e);
        }
        try {
            writeLayoutTar(tarFile);
            containerd.ctr("-n", namespace, "images", "import", tarFile.toString()).orThrow();
        } finally {
            try {
                Files.deleteIfExists(tarFile);
            } catch (IOException e) {
                // A leftover temp file is harmless; the import result matters.
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + manifestDigest();
    }
}
