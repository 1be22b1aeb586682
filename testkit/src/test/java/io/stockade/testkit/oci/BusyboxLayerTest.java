package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class BusyboxLayerTest {

    @Test
    void holdsBusyboxItsAppletLinksAndMinimalAccountFiles() throws IOException {
        assumeTrue(Files.isExecutable(BusyboxLayer.DEFAULT_BUSYBOX), "needs busybox-static");
        Map<String, TarEntries.Entry> entries = TarEntries.read(BusyboxLayer.create().tar());

        assertArrayEquals(Files.readAllBytes(BusyboxLayer.DEFAULT_BUSYBOX), entries.get("bin/busybox").content());
        assertEquals(0755, entries.get("bin/busybox").mode());
        for (String applet : new String[] {"bin/sh", "bin/sleep", "bin/echo", "bin/cat"}) {
            assertEquals('2', entries.get(applet).type(), applet);
            assertEquals("/bin/busybox", entries.get(applet).linkTarget(), applet);
        }
        assertEquals(BusyboxLayer.PASSWD, new String(entries.get("etc/passwd").content(), StandardCharsets.UTF_8));
        assertEquals(BusyboxLayer.GROUP, new String(entries.get("etc/group").content(), StandardCharsets.UTF_8));
        assertEquals(01777, entries.get("tmp/").mode());
        for (String directory : new String[] {"dev/", "proc/", "sys/", "run/", "root/"}) {
            assertEquals('5', entries.get(directory).type(), directory);
        }
    }

    @Test
    void aMissingBusyboxIsReportedWithTheFixHint() {
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> BusyboxLayer.create(Path.of("/nonexistent/busybox")));
        assertTrue(e.getMessage().contains("/nonexistent/busybox"), e.getMessage());
        assertTrue(e.getMessage().contains("busybox-static"), e.getMessage());
    }
}
