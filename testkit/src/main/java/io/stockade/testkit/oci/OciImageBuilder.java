package io.stockade.testkit.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an OCI image by hand, for hosts that reach no registry: the image config (entrypoint, cmd, env, working
 * directory, rootfs diff_ids), the manifest and the index that names the image with the
 * {@code io.containerd.image.name} annotation, all with exact digests and sizes. Usage:
 * <pre>{@code
 * OciImage image = OciImageBuilder.named("docker.io/stockade/busybox:e2e")
 *         .layer(BusyboxLayer.create())
 *         .cmd("sh", "-c", "echo hello; sleep 3600")
 *         .build();
 * image.importInto(containerd, "k8s.io");
 * }</pre>
 */
public final class OciImageBuilder {
    static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final List<Layer> layers = new ArrayList<>();
    private List<String> entrypoint = List.of();
    private List<String> cmd = List.of();
    private final List<String> env = new ArrayList<>(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    private String workingDir = "/";

    private OciImageBuilder(String name) {
        this.name = name;
    }

    /**
     * Starts an image with this full reference, e.g. {@code docker.io/stockade/pause:e2e}: the name CRI and
     * {@code ctr} will know it by. The reference must carry a tag.
     */
    public static OciImageBuilder named(String reference) {
        tagOf(reference);
        return new OciImageBuilder(reference);
    }

    public OciImageBuilder layer(Layer layer) {
        layers.add(layer);
        return this;
    }

    public OciImageBuilder entrypoint(String... argv) {
        this.entrypoint = List.of(argv);
        return this;
    }

    public OciImageBuilder cmd(String... argv) {
        this.cmd = List.of(argv);
        return this;
    }

    /** Adds a {@code KEY=value} environment entry (PATH is set to the usual default already). */
    public OciImageBuilder env(String keyValue) {
        if (keyValue.indexOf('=') <= 0) {
            throw new IllegalArgumentException("environment entry must be KEY=value: '" + keyValue + "'");
        }
        env.add(keyValue);
        return this;
    }

    public OciImageBuilder workingDir(String directory) {
        if (!directory.startsWith("/")) {
            throw new IllegalArgumentException("working directory must be absolute: '" + directory + "'");
        }
        this.workingDir = directory;
        return this;
    }

    public OciImage build() {
        if (layers.isEmpty()) {
            throw new IllegalStateException("image " + name + " has no layers");
        }
        if (entrypoint.isEmpty() && cmd.isEmpty()) {
            throw new IllegalStateException("image " + name + " has neither an entrypoint nor a cmd");
        }
        byte[] config = json(configDocument());
        Digest configDigest = Digest.of(config);
        List<Object> layerDescriptors = new ArrayList<>();
        for (Layer layer : layers) {
            layerDescriptors.add(descriptor(MediaTypes.LAYER_TAR, layer.digest(), layer.size()));
        }
        Map<String, Object> manifestDocument = new LinkedHashMap<>();
        manifestDocument.put("schemaVersion", 2);
        manifestDocument.put("mediaType", MediaTypes.MANIFEST);
        manifestDocument.put("config", descriptor(MediaTypes.CONFIG, configDigest, config.length));
        manifestDocument.put("layers", layerDescriptors);
        byte[] manifest = json(manifestDocument);
        Digest manifestDigest = Digest.of(manifest);

        Map<String, Object> manifestDescriptor = descriptor(MediaTypes.MANIFEST, manifestDigest, manifest.length);
        manifestDescriptor.put("platform", platform());
        Map<String, Object> annotations = new LinkedHashMap<>();
        annotations.put(OciImage.CONTAINERD_NAME_ANNOTATION, name);
        annotations.put(OciImage.REF_NAME_ANNOTATION, tagOf(name));
        manifestDescriptor.put("annotations", annotations);
        Map<String, Object> indexDocument = new LinkedHashMap<>();
        indexDocument.put("schemaVersion", 2);
        indexDocument.put("mediaType", MediaTypes.INDEX);
        indexDocument.put("manifests", List.of(manifestDescriptor));
        return new OciImage(name, layers, config, manifest, json(indexDocument));
    }

    private Map<String, Object> configDocument() {
        Map<String, Object> runtimeConfig = new LinkedHashMap<>();
        runtimeConfig.put("Env", env);
        if (!entrypoint.isEmpty()) {
            runtimeConfig.put("Entrypoint", entrypoint);
        }
        if (!cmd.isEmpty()) {
            runtimeConfig.put("Cmd", cmd);
        }
        runtimeConfig.put("WorkingDir", workingDir);
        Map<String, Object> document = new LinkedHashMap<>(platform());
        document.put("config", runtimeConfig);
        // Every map is ordered: the config's bytes are digested, so the same image must always serialize the same.
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", layers.stream().map(layer -> layer.digest().toString()).toList());
        document.put("rootfs", rootfs);
        return document;
    }

    static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
        Map<String, Object> descriptor = new LinkedHashMap<>();
        descriptor.put("mediaType", mediaType);
        descriptor.put("digest", digest.toString());
        descriptor.put("size", size);
        return descriptor;
    }

    /** The platform of this JVM's host in OCI terms; images built here hold host binaries. */
    static Map<String, Object> platform() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> throw new IllegalStateException("no OCI architecture name for os.arch "
                    + System.getProperty("os.arch"));
        };
        Map<String, Object> platform = new LinkedHashMap<>();
        platform.put("architecture", arch);
        platform.put("os", "linux");
        return platform;
    }

    /** The tag of a reference: what follows the last ':' after the last '/'. */
    static String tagOf(String reference) {
        int slash = reference.lastIndexOf('/');
        int colon = reference.lastIndexOf(':');
        if (reference.isBlank() || reference.contains("@") || colon <= slash || colon == reference.length() - 1) {
            throw new IllegalArgumentException("image reference must be name:tag (no digest): '" + reference + "'");
        }
        return reference.substring(colon + 1);
    }

    static byte[] json(Object document) {
        try {
            return JSON.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize an OCI document", e);
        }
    }
}
