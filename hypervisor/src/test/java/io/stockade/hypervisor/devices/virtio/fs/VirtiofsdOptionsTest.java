package io.stockade.hypervisor.devices.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtiofsdOptionsTest {

    @Test
    void commandLineNamesSocketDirectoryCacheAndSandbox() {
        VirtiofsdOptions options = new VirtiofsdOptions(Path.of("/opt/virtiofsd"), Path.of("/run/p1/fs.sock"),
                Path.of("/run/p1/shared"), VirtiofsdOptions.Cache.NEVER, VirtiofsdOptions.Sandbox.NAMESPACE);
        assertEquals(List.of("/opt/virtiofsd", "--socket-path=/run/p1/fs.sock", "--shared-dir=/run/p1/shared",
                "--cache=never", "--sandbox=namespace"), options.command());
    }

    @Test
    void startRefusesAMissingSharedDirectory(@TempDir Path dir) {
        VirtiofsdOptions options = new VirtiofsdOptions(Path.of("/bin/true"), dir.resolve("fs.sock"),
                dir.resolve("missing"), VirtiofsdOptions.Cache.AUTO, VirtiofsdOptions.Sandbox.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtiofsdProcess.start(options, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aProcessThatExitsWithoutListeningIsReportedWithItsStderr(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("fake-virtiofsd");
        Files.writeString(fake, "#!/bin/sh\necho 'no such option' >&2\nexit 3\n");
        fake.toFile().setExecutable(true);
        VirtiofsdOptions options = new VirtiofsdOptions(fake, dir.resolve("fs.sock"), dir,
                VirtiofsdOptions.Cache.AUTO, VirtiofsdOptions.Sandbox.NONE);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> VirtiofsdProcess.start(options, Duration.ofSeconds(30)));
        assertTrue(e.getMessage().contains("status 3"), e.getMessage());
        assertTrue(e.getMessage().contains("no such option"), e.getMessage());
    }
}
