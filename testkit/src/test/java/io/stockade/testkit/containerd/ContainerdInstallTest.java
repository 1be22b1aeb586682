package io.stockade.testkit.containerd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

class ContainerdInstallTest {

    @Test
    void findsTheFetchScriptInTheNearestEnclosingCheckout(@TempDir Path checkout) throws IOException {
        Path script = Files.createDirectories(checkout.resolve("scripts")).resolve("fetch-containerd.sh");
        Files.writeString(script, "#!/bin/sh\n");
        Path module = Files.createDirectories(checkout.resolve("proto/target"));

        assertEquals(script, ContainerdInstall.locateFetchScript(module, null));
    }

    @Test
    void anExplicitRepoRootWithoutTheScriptIsAnError(@TempDir Path empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ContainerdInstall.locateFetchScript(empty, empty.toString()));
        assertTrue(e.getMessage().contains("scripts/fetch-containerd.sh"), e.getMessage());
    }

    @Test
    void anInstallWithoutBinariesIsRejectedNamingTheMissingOne(@TempDir Path root) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ContainerdInstall(root));
        assertTrue(e.getMessage().contains("usr/bin/containerd"), e.getMessage());
    }
}
