package io.stockade.agent.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

/**
 * Extracts the error messages from a runtime's {@code --log-format json} log (one JSON object per
 * line).
 */
final class RuntimeLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RuntimeLog() {}

    /**
     * The {@code msg} of every error/fatal line joined with "; ", or the raw text when it is not
     * JSON lines.
     */
    static String errors(String log) {
        List<String> messages = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode entry = JSON.readTree(line);
                String level = entry.path("level").asText("");
                if (level.equals("error") || level.equals("fatal")) {
                    messages.add(entry.path("msg").asText(line));
                }
            } catch (Exception notJson) {
                messages.add(line.strip());
            }
        }
        return String.join("; ", messages);
    }
}
