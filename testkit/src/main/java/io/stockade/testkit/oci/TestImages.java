package io.stockade.testkit.oci;

/**
 * The images end-to-end tests run, built from the host's static busybox: a general-purpose busybox image and a
 * local pause image for containerd's own runc pods (no registry is reachable from test machines).
 */
public final class TestImages {
    /** What the pause image is called once imported; pin it as CRI's sandbox image. */
    public static final String PAUSE_NAME = "docker.io/stockade/pause:e2e";
    /** What the busybox image is called once imported. */
    public static final String BUSYBOX_NAME = "docker.io/stockade/busybox:e2e";
    /** The longest {@code sleep} busybox accepts on every architecture: the pause container sleeps "forever". */
    static final String FOREVER_SECONDS = "2147483647";

    private TestImages() {
    }

    /** A pause image: busybox sleeping forever, which is all a pod's infra container has to do here. */
    public static OciImage pause(Layer busybox) {
        return OciImageBuilder.named(PAUSE_NAME)
                .layer(busybox)
                .entrypoint("/bin/sleep", FOREVER_SECONDS)
                .build();
    }

    /** A busybox image whose default command is a shell that sleeps forever; tests set their own commands. */
    public static OciImage busybox(Layer busybox) {
        return OciImageBuilder.named(BUSYBOX_NAME)
                .layer(busybox)
                .cmd("/bin/sh", "-c", "sleep " + FOREVER_SECONDS)
                .build();
    }
}
