package io.stockade.testkit.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.testkit.containerd.CommandResult;
import io.stockade.testkit.containerd.ContainerdFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The hand-built layouts are what a real containerd 2.1 imports, unpacks and runs. */
@Tag("host")
class OciImageImportTest {

    @Test
    void containerdImportsUnpacksAndRunsTheBusyboxImage() {
        Layer busybox = BusyboxLayer.create();
        OciImage image = OciImageBuilder.named("docker.io/stockade/import-test:1")
                .layer(busybox)
                .cmd("/bin/sh", "-c", "echo hello from $(cat /etc/hostname 2>/dev/null || echo image)")
                .build();
        try (ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().start()) {
            image.importInto(containerd, "k8s.io");

            CommandResult images = containerd.ctr("-n", "k8s.io", "images", "ls").orThrow();
            assertTrue(images.stdout().lines().anyMatch(line -> line.startsWith(image.name())
                    && line.contains(image.manifestDigest().toString())), images.stdout());

            String id = "import-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
            CommandResult run = containerd.ctr("-n", "k8s.io", "run", "--rm", image.name(), id,
                    "/bin/echo", "ran from a hand-built layer").orThrow();
            assertEquals("ran from a hand-built layer", run.stdout().strip());
        }
    }

    @Test
    void thePauseImageRunsItsSleepEntrypoint() {
        OciImage pause = TestImages.pause(BusyboxLayer.create());
        // runc keeps its state under a host-global root (/run/containerd/runc/<namespace>): the id must be unique.
        String id = "pause-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (ContainerdFixture containerd = ContainerdFixture.builder().withoutCri().start()) {
            pause.importInto(containerd, "k8s.io");
            containerd.ctr("-n", "k8s.io", "run", "-d", pause.name(), id).orThrow();
            try {
                CommandResult tasks = containerd.ctr("-n", "k8s.io", "tasks", "ls").orThrow();
                assertTrue(tasks.stdout().lines().anyMatch(line -> line.startsWith(id) && line.contains("RUNNING")),
                        tasks.stdout());
            } finally {
                containerd.ctr("-n", "k8s.io", "tasks", "rm", "-f", id).orThrow();
                containerd.ctr("-n", "k8s.io", "containers", "rm", id).orThrow();
            }
        }
    }
}
