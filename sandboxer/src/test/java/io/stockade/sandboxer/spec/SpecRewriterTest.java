package io.stockade.sandboxer.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

class SpecRewriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NETNS = "/var/run/netns/cni-8d3f0a2b-1c4e-7f6a-9b0d-2e5c8a1f3b7d";
    private final SpecRewriter rewriter =
            new SpecRewriter("pod1", Path.of("/run/stockade/pod1/shared"), NETNS, "stockade");

    private static byte[] containerdSpec() throws IOException {
        try (InputStream in =
                SpecRewriterTest.class.getResourceAsStream("containerd-cri-config.json")) {
            return in.readAllBytes();
        }
    }

    private JsonNode rewrite(SpecRewriter with) throws IOException {
        byte[] out =
                with.rewrite(
                        containerdSpec(),
                        "bundle/config.json",
                        "c1",
                        Path.of("/run/stockade/pod1/shared/c1/rootfs"));
        return JSON.readTree(out);
    }

    @Test
    void pointsTheRootAtTheMountedRootfsAndTheCgroupUnderStockade() throws IOException {
        JsonNode spec = rewrite(rewriter);
        assertEquals("/run/stockade/pod1/shared/c1/rootfs", spec.at("/root/path").asText());
        assertEquals("/stockade/pod1/c1", spec.at("/linux/cgroupsPath").asText());
    }

    @Test
    void joinsThePodNetworkAndCreatesEveryOtherNamespaceFresh() throws IOException {
        JsonNode namespaces = rewrite(rewriter).at("/linux/namespaces");
        assertEquals(
                JSON.readTree(
                        """
        [{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"network","path":"%s"}]
        """
                                .formatted(NETNS)),
                namespaces);
    }

    @Test
    void aHostNetworkPodLeavesTheNetworkNamespaceOut() throws IOException {
        JsonNode namespaces =
                rewrite(new SpecRewriter("pod1", Path.of("/s"), "", "stockade"))
                        .at("/linux/namespaces");
        for (JsonNode namespace : namespaces) {
            assertFalse(namespace.get("type").asText().equals("network"), namespaces.toString());
        }
    }

    @Test
    void replacesContainerdsPodFilesWithThePodsOwnAndKeepsOtherMounts() throws IOException {
        Map<String, JsonNode> mounts = new java.util.LinkedHashMap<>();
        List<String> destinations = new ArrayList<>();
        for (JsonNode mount : rewrite(rewriter).get("mounts")) {
            mounts.put(mount.get("destination").asText(), mount);
            destinations.add(mount.get("destination").asText());
        }
        assertEquals(destinations.size(), mounts.size(), "no destination twice: " + destinations);
        assertEquals(
                "/run/stockade/pod1/shared/hosts", mounts.get("/etc/hosts").get("source").asText());
        assertEquals(
                "/run/stockade/pod1/shared/hostname",
                mounts.get("/etc/hostname").get("source").asText());
        assertEquals(
                "/run/stockade/pod1/shared/resolv.conf",
                mounts.get("/etc/resolv.conf").get("source").asText());
        JsonNode shm = mounts.get("/dev/shm");
        assertEquals("/run/stockade/pod1/shared/shm", shm.get("source").asText());
        assertEquals(
                "[\"rbind\",\"rprivate\",\"nosuid\",\"nodev\",\"noexec\"]",
                shm.get("options").toString());
        assertEquals(
                "/var/lib/kubelet/pods/0f3c/volumes/kubernetes.io~empty-dir/data",
                mounts.get("/data").get("source").asText(),
                "volumes pass through in process mode");
        assertEquals("proc", mounts.get("/proc").get("type").asText());
    }

    @Test
    void everythingElsePassesThroughUnchanged() throws IOException {
        JsonNode original = JSON.readTree(containerdSpec());
        JsonNode spec = rewrite(rewriter);
        for (String field :
                List.of(
                        "/process",
                        "/annotations",
                        "/hostname",
                        "/ociVersion",
                        "/linux/resources",
                        "/linux/seccomp",
                        "/linux/maskedPaths",
                        "/linux/readonlyPaths")) {
            assertEquals(original.at(field), spec.at(field), field);
        }
    }

    @Test
    void badSpecsAreRejectedNamingTheFile() {
        assertRejected("{", "bundle/config.json is not valid JSON");
        assertRejected("[]", "bundle/config.json is not a JSON object");
        assertRejected("{\"root\":{}}", "bundle/config.json has no 'process' object");
        assertRejected(
                "{\"process\":{},\"mounts\":{}}", "bundle/config.json: 'mounts' is not an array");
        assertRejected(
                "{\"process\":{},\"mounts\":[{\"type\":\"bind\"}]}",
                "bundle/config.json: a mount has no");
        assertRejected(
                "{\"process\":{},\"linux\":{\"namespaces\":[{\"path\":\"/x\"}]}}",
                "bundle/config.json: linux.namespaces has an entry without a 'type'");
        assertRejected(
                "{\"process\":{},\"linux\":{\"namespaces\":[{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}]}}",
                "bundle/config.json: linux.namespaces joins a host 'user' namespace");
    }

    private void assertRejected(String json, String expectedStart) {
        String message =
                assertThrows(
                                InvalidSpecException.class,
                                () ->
                                        rewriter.rewrite(
                                                json.getBytes(StandardCharsets.UTF_8),
                                                "bundle/config.json",
                                                "c1",
                                                Path.of("/r")))
                        .getMessage();
        assertTrue(message.startsWith(expectedStart), message);
    }
}
