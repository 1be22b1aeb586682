package io.stockade.sandboxer.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Rewrites the OCI {@code config.json} containerd wrote for a container into the one the agent
 * runs. Everything not named here passes through unchanged (fields we do not know included).
 *
 * <ul>
 *   <li>{@code root.path} becomes the rootfs the sandboxer mounted in the pod's shared dir;
 *   <li>the network namespace becomes the pod's ({@code netnsPath}; removed for host-network pods),
 *       every other namespace loses its host path and is created fresh;
 *   <li>{@code linux.cgroupsPath} becomes {@code /<cgroupParent>/<sandbox-id>/<container-id>};
 *   <li>{@code /etc/hosts}, {@code /etc/hostname}, {@code /etc/resolv.conf} and {@code /dev/shm}
 *       become bind mounts of the pod's files in {@code podDir}.
 * </ul>
 *
 * @param sandboxId the pod
 * @param podDir the pod's shared dir as the agent sees it (holds {@code hosts}, {@code hostname},
 *     {@code resolv.conf}, {@code shm/})
 * @param netnsPath the pod's network namespace as the agent sees it; empty for host network
 * @param cgroupParent the cgroup all of Stockade's containers live under
 */
public record SpecRewriter(String sandboxId, Path podDir, String netnsPath, String cgroupParent) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_SPEC_BYTES = 4 << 20;

    /** The pod files and where they appear in every container. */
    private static final Map<String, String> POD_FILES =
            Map.of(
                    "/etc/hosts", "hosts",
                    "/etc/hostname", "hostname",
                    "/etc/resolv.conf", "resolv.conf",
                    "/dev/shm", "shm");

    private static final Set<String> NEW_NAMESPACE_ONLY =
            Set.of("pid", "ipc", "uts", "mount", "cgroup");

    public SpecRewriter {
        Objects.requireNonNull(sandboxId, "sandboxId");
        Objects.requireNonNull(podDir, "podDir");
        Objects.requireNonNull(netnsPath, "netnsPath");
        Objects.requireNonNull(cgroupParent, "cgroupParent");
    }

    /**
     * Rewrites {@code config} (the bytes of config.json) for container {@code containerId} whose
     * rootfs is at {@code rootfs} (as the agent sees it).
     *
     * @param source names the file in errors
     * @throws InvalidSpecException naming the file and what is wrong with it
     */
    public byte[] rewrite(byte[] config, String source, String containerId, Path rootfs) {
        if (config.length > MAX_SPEC_BYTES) {
            throw new InvalidSpecException(
                    source + " is " + config.length + " bytes (at most " + MAX_SPEC_BYTES + ")");
        }
        JsonNode tree;
        try {
            tree = JSON.readTree(config);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(
                    source + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidSpecException(source + " cannot be parsed: " + e.getMessage());
        }
        if (!(tree instanceof ObjectNode spec)) {
            throw new InvalidSpecException(source + " is not a JSON object");
        }
        if (!(spec.get("process") instanceof ObjectNode)) {
            throw new InvalidSpecException(source + " has no 'process' object");
        }
        ObjectNode root = object(spec, "root", source);
        root.put("path", rootfs.toString());
        ObjectNode linux = object(spec, "linux", source);
        rewriteNamespaces(linux, source);
        linux.put("cgroupsPath", "/" + cgroupParent + "/" + sandboxId + "/" + containerId);
        rewriteMounts(spec, source);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialize the rewritten spec of " + containerId, e);
        }
    }

    private void rewriteNamespaces(ObjectNode linux, String source) {
        JsonNode namespaces = linux.get("namespaces");
        if (namespaces == null) {
            return;
        }
        if (!(namespaces instanceof ArrayNode list)) {
            throw new InvalidSpecException(source + ": linux.namespaces is not an array");
        }
        for (Iterator<JsonNode> it = list.iterator(); it.hasNext(); ) {
            if (!(it.next() instanceof ObjectNode namespace)
                    || !namespace.path("type").isTextual()) {
                throw new InvalidSpecException(
                        source + ": linux.namespaces has an entry without a 'type'");
            }
            String type = namespace.get("type").asText();
            if (type.equals("network")) {
                if (netnsPath.isEmpty()) {
                    it.remove();
                } else {
                    namespace.put("path", netnsPath);
                }
            } else if (NEW_NAMESPACE_ONLY.contains(type)) {
                namespace.remove("path");
            } else if (namespace.has("path")) {
                throw new InvalidSpecException(
                        source
                                + ": linux.namespaces joins a host '"
                                + type
                                + "' namespace, which a pod cannot share");
            }
        }
    }

    private void rewriteMounts(ObjectNode spec, String source) {
        JsonNode existing = spec.get("mounts");
        ArrayNode mounts;
        if (existing == null) {
            mounts = spec.putArray("mounts");
        } else if (existing instanceof ArrayNode array) {
            mounts = array;
        } else {
            throw new InvalidSpecException(source + ": 'mounts' is not an array");
        }
        for (Iterator<JsonNode> it = mounts.iterator(); it.hasNext(); ) {
            JsonNode mount = it.next();
            if (!mount.path("destination").isTextual()) {
                throw new InvalidSpecException(source + ": a mount has no 'destination'");
            }
            if (POD_FILES.containsKey(mount.get("destination").asText())) {
                it.remove();
            }
        }
        for (String destination : POD_FILES.keySet().stream().sorted().toList()) {
            ObjectNode mount = mounts.addObject();
            mount.put("destination", destination);
            mount.put("type", "bind");
            mount.put("source", podDir.resolve(POD_FILES.get(destination)).toString());
            ArrayNode options = mount.putArray("options").add("rbind").add("rprivate");
            if (destination.equals("/dev/shm")) {
                options.add("nosuid").add("nodev").add("noexec");
            }
        }
    }

    private static ObjectNode object(ObjectNode parent, String field, String source) {
        JsonNode node = parent.get(field);
        if (node == null) {
            return parent.putObject(field);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new InvalidSpecException(source + ": '" + field + "' is not an object");
        }
        return object;
    }
}
