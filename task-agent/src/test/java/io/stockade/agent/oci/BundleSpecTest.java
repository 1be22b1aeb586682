package io.stockade.agent.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class BundleSpecTest {
    @TempDir Path bundle;

    private String rejection(String config) throws IOException {
        Files.writeString(bundle.resolve("config.json"), config);
        return assertThrows(InvalidSpecException.class, () -> BundleSpec.load(bundle)).getMessage();
    }

    @Test
    void loadsAValidBundleWithARelativeRoot() throws IOException {
        Files.createDirectory(bundle.resolve("rootfs"));
        Files.writeString(
                bundle.resolve("config.json"),
                "{\"process\":{\"args\":[\"sh\"],\"terminal\":true},\"root\":{\"path\":\"rootfs\"}}");
        BundleSpec spec = BundleSpec.load(bundle);
        assertEquals(bundle.resolve("rootfs"), spec.rootfs());
        assertTrue(spec.terminal());
    }

    @Test
    void aMissingConfigIsNamed() {
        String message =
                assertThrows(InvalidSpecException.class, () -> BundleSpec.load(bundle))
                        .getMessage();
        assertTrue(message.contains(bundle.resolve("config.json") + " does not exist"), message);
    }

    @Test
    void invalidJsonSaysWhere() throws IOException {
        String message = rejection("{\"process\": [1,\n");
        assertTrue(message.contains("config.json is not valid JSON"), message);
        assertTrue(message.contains("line 2"), message);
    }

    @Test
    void missingFieldsAreNamed() throws IOException {
        assertTrue(rejection("[]").contains("must hold a JSON object"));
        assertTrue(rejection("{\"root\":{\"path\":\"rootfs\"}}").contains("no process.args"));
        assertTrue(rejection("{\"process\":{\"args\":[\"sh\"]}}").contains("no root.path"));
        String message =
                rejection("{\"process\":{\"args\":[\"sh\"]},\"root\":{\"path\":\"missing\"}}");
        assertTrue(message.contains("is not a directory"), message);
        assertFalse(message.isBlank());
    }
}
