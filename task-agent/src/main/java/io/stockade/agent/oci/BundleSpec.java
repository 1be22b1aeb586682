package io.stockade.agent.oci;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The parts of an OCI bundle's {@code config.json} the agent checks before handing the bundle to
 * the runtime.
 *
 * @param bundle the bundle directory
 * @param rootfs the root filesystem ({@code root.path}, resolved against the bundle)
 * @param terminal whether the init process wants a terminal
 */
public record BundleSpec(Path bundle, Path rootfs, boolean terminal) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads and checks {@code <bundle>/config.json}.
     *
     * @throws InvalidSpecException naming the file and the problem: missing, unreadable, not JSON,
     *     or lacking {@code process.args} or {@code root.path}
     */
    public static BundleSpec load(Path bundle) {
        Path config = bundle.resolve("config.json");
        String text;
        try {
            text = Files.readString(config);
        } catch (NoSuchFileException e) {
            throw new InvalidSpecException(
                    config + " does not exist (is " + bundle + " an OCI bundle?)");
        } catch (IOException e) {
            throw new InvalidSpecException("cannot read " + config + ": " + e);
        }
        JsonNode spec;
        try {
            spec = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(
                    config
                            + " is not valid JSON: "
                            + e.getOriginalMessage()
                            + " at line "
                            + e.getLocation().getLineNr()
                            + ", column "
                            + e.getLocation().getColumnNr());
        }
        if (spec == null || !spec.isObject()) {
            throw new InvalidSpecException(config + " must hold a JSON object");
        }
        JsonNode args = spec.path("process").path("args");
        if (!args.isArray() || args.isEmpty()) {
            throw new InvalidSpecException(config + " has no process.args (the command to run)");
        }
        JsonNode rootPath = spec.path("root").path("path");
        if (!rootPath.isTextual() || rootPath.asText().isEmpty()) {
            throw new InvalidSpecException(config + " has no root.path");
        }
        Path rootfs = bundle.resolve(rootPath.asText());
        if (!Files.isDirectory(rootfs)) {
            throw new InvalidSpecException(
                    config + ": root.path " + rootfs + " is not a directory");
        }
        return new BundleSpec(
                bundle, rootfs, spec.path("process").path("terminal").asBoolean(false));
    }
}
