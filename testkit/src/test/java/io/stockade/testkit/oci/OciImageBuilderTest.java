package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class OciImageBuilderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Layer layer = Layer.builder().file("bin/tool", 0755, "tool".getBytes(StandardCharsets.UTF_8)).build();

    private OciImage image() {
        return OciImageBuilder.named("docker.io/stockade/tool:1.0")
                .layer(layer)
                .entrypoint("/bin/tool")
                .cmd("--serve")
                .env("MODE=test")
                .workingDir("/srv")
                .build();
    }

    @Test
    void theConfigCarriesTheRuntimeSettingsAndTheLayerDiffIds() throws IOException {
        JsonNode config = JSON.readTree(image().config());
        assertEquals("linux", config.path("os").asText());
        assertEquals(OciImageBuilder.platform().get("architecture"), config.path("architecture").asText());
        assertEquals("/bin/tool", config.path("config").path("Entrypoint").path(0).asText());
        assertEquals("--serve", config.path("config").path("Cmd").path(0).asText());
        assertEquals("/srv", config.path("config").path("WorkingDir").asText());
        assertEquals("MODE=test", config.path("config").path("Env").path(1).asText());
        assertTrue(config.path("config").path("Env").path(0).asText().startsWith("PATH="));
        assertEquals("layers", config.path("rootfs").path("type").asText());
        assertEquals(layer.digest().toString(), config.path("rootfs").path("diff_ids").path(0).asText());
    }

    @Test
    void theManifestPointsAtTheConfigAndLayersWithExactDigestsAndSizes() throws IOException {
        OciImage image = image();
        JsonNode manifest = JSON.readTree(image.manifest());
        assertEquals(2, manifest.path("schemaVersion").asInt());
        assertEquals(MediaTypes.MANIFEST, manifest.path("mediaType").asText());
        assertEquals(MediaTypes.CONFIG, manifest.path("config").path("mediaType").asText());
        assertEquals(Digest.of(image.config()).toString(), manifest.path("config").path("digest").asText());
        assertEquals(image.config().length, manifest.path("config").path("size").asLong());
        JsonNode layerDescriptor = manifest.path("layers").path(0);
        assertEquals(MediaTypes.LAYER_TAR, layerDescriptor.path("mediaType").asText());
        assertEquals(layer.digest().toString(), layerDescriptor.path("digest").asText());
        assertEquals(layer.size(), layerDescriptor.path("size").asLong());
    }

    @Test
    void theIndexNamesTheImageForContainerd() throws IOException {
        OciImage image = image();
        JsonNode descriptor = JSON.readTree(image.index()).path("manifests").path(0);
        assertEquals(MediaTypes.MANIFEST, descriptor.path("mediaType").asText());
        assertEquals(image.manifestDigest().toString(), descriptor.path("digest").asText());
        assertEquals(image.manifest().length, descriptor.path("size").asLong());
        assertEquals("docker.io/stockade/tool:1.0",
                descriptor.path("annotations").path(OciImage.CONTAINERD_NAME_ANNOTATION).asText());
        assertEquals("1.0", descriptor.path("annotations").path(OciImage.REF_NAME_ANNOTATION).asText());
        assertEquals("linux", descriptor.path("platform").path("os").asText());
    }

    @Test
    void buildingTwiceGivesTheSameDigests() {
        assertEquals(image().manifestDigest(), image().manifestDigest());
        assertEquals(image().configDigest(), image().configDigest());
    }

    @Test
    void theLayoutTarHoldsEveryBlobUnderItsDigest(@TempDir Path dir) throws IOException {
        OciImage image = image();
        Path tar = dir.resolve("layout.tar");
        image.writeLayoutTar(tar);

        Map<String, TarEntries.Entry> entries = TarEntries.read(Files.readAllBytes(tar));
        assertEquals(List.of("oci-layout", "index.json", "blobs/", "blobs/sha256/",
                        image.manifestDigest().blobPath(), image.configDigest().blobPath(), layer.digest().blobPath()),
                List.copyOf(entries.keySet()));
        assertEquals("1.0.0", JSON.readTree(entries.get("oci-layout").content()).path("imageLayoutVersion").asText());
        assertArrayEquals(image.index(), entries.get("index.json").content());
        for (TarEntries.Entry entry : entries.values()) {
            if (entry.name().startsWith("blobs/sha256/") && entry.type() == '0') {
                assertEquals(entry.name(), Digest.of(entry.content()).blobPath(), "blob named by its digest");
            }
        }
    }

    @Test
    void aRepeatedLayerIsStoredOnce(@TempDir Path dir) throws IOException {
        OciImage image = OciImageBuilder.named("docker.io/stockade/twice:1").layer(layer).layer(layer)
                .cmd("/bin/tool").build();
        Path tar = dir.resolve("layout.tar");
        image.writeLayoutTar(tar);
        long layerBlobs = TarEntries.read(Files.readAllBytes(tar)).keySet().stream()
                .filter(name -> name.equals(layer.digest().blobPath())).count();
        assertEquals(1, layerBlobs);
        assertEquals(2, JSON.readTree(image.manifest()).path("layers").size());
    }

    @Test
    void rejectsIncompleteImagesAndReferencesWithoutATag() {
        assertThrows(IllegalStateException.class, () -> OciImageBuilder.named("docker.io/x/y:1").cmd("sh").build());
        assertThrows(IllegalStateException.class, () -> OciImageBuilder.named("docker.io/x/y:1").layer(layer).build());
        assertThrows(IllegalArgumentException.class, () -> OciImageBuilder.named("docker.io/x/y"));
        assertThrows(IllegalArgumentException.class, () -> OciImageBuilder.named("localhost:5000/y"));
        assertThrows(IllegalArgumentException.class, () -> OciImageBuilder.named("docker.io/x/y@sha256:00"));
        assertThrows(IllegalArgumentException.class, () -> OciImageBuilder.named("x:1").env("NOEQUALS"));
        assertThrows(IllegalArgumentException.class, () -> OciImageBuilder.named("x:1").workingDir("relative"));
    }
}
