package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stockade.hypervisor.devices.virtio.fs.VirtiofsdOptions;
import io.stockade.hypervisor.devices.virtio.fs.VirtiofsdProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots Debian's stock kernel with a virtio-fs device whose backend is a real virtiofsd (sandboxed in its own mount
 * namespace, {@code --cache never}), as the sandboxer will run it for pod volumes: the guest mounts the share, reads
 * a host file and writes one the host then sees; and a file system the host mounts under the shared directory while
 * the guest has it mounted shows up in the guest.
 *
 * <p>That last part needs the shared directory to be a mount with <em>shared</em> propagation before virtiofsd
 * starts: virtiofsd's sandbox copies the mount table into a new namespace and turns it into a slave of the original,
 * so later host mounts propagate into its view only from a shared peer group. Without systemd (as in L1) every
 * mount is private, so the test makes the directory a shared bind mount of itself. virtiofsd's
 * {@code --announce-submounts} is not needed for the guest to see the content; it only gives submounts their own
 * {@code st_dev} in the guest.
 *
 * <p>virtiofsd comes from {@code scripts/fetch-virtiofsd.sh}, which must have run on the host (L1 has no network);
 * the test is skipped otherwise.
 */
@Tag("l1")
class VirtioFsL1Test {

    static final String TAG = "shared";
    /** How long the guest waits for the host's submount before giving up (and saying so). */
    static final int GUEST_WAIT_SECONDS = 60;
    static final Duration MOUNTED_LIMIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void theGuestReadsAndWritesTheSharedDirectoryAndSeesWhatTheHostMountsUnderIt() throws Exception {
        Path virtiofsd = fetchedVirtiofsd();
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.writeString(shared.resolve("hello.txt"), "from-the-host\n");
        Path volume = Files.createDirectory(shared.resolve("volume"));
        Files.writeString(volume.resolve("under-the-mount.txt"), "hidden once the host mounts over it\n");
        List<Path> modules = VirtioDevicesL1Test.resolveModules(
                Path.of(System.getProperty(VirtioDevicesL1Test.MODULES_PROPERTY)), List.of("virtio_mmio", "virtiofs"));

        VirtioNetL1Test.run("mount", "--bind", shared.toString(), shared.toString());
        try {
            // Without this the sandboxed virtiofsd never sees the tmpfs: the guest keeps listing under-the-mount.txt.
            VirtioNetL1Test.run("mount", "--make-shared", shared.toString());
            try (VirtiofsdProcess daemon = VirtiofsdProcess.start(new VirtiofsdOptions(virtiofsd,
                    dir.resolve("virtiofsd.sock"), shared, VirtiofsdOptions.Cache.NEVER,
                    VirtiofsdOptions.Sandbox.NAMESPACE), Duration.ofSeconds(30))) {
                String console = VirtioNetL1Test.GuestBoot.run(dir, "fs", modules,
                        List.of(new FsConfig(TAG, daemon.socketPath())), """
                        mkdir -p /mnt/shared
                        mount -t virtiofs %1$s /mnt/shared && say "mounted"
                        say "hello=$(cat /mnt/shared/hello.txt)"
                        echo written-by-the-guest > /mnt/shared/from-the-guest.txt && sync && say "write done"
                        say "volume before=$(ls /mnt/shared/volume | tr '\\n' ' ')"
                        say "waiting for the host's mount"
                        waited=0
                        while [ ! -e /mnt/shared/host-mounted ]; do
                          [ $waited -ge %2$d ] && { say "no host mount within %2$d s"; break; }
                          sleep 1; waited=$((waited + 1))
                        done
                        say "volume after=$(ls /mnt/shared/volume | tr '\\n' ' ')"
                        say "on the tmpfs=$(cat /mnt/shared/volume/on-tmpfs.txt)"
                        umount /mnt/shared && say "unmounted"
                        """.formatted(TAG, GUEST_WAIT_SECONDS),
                        VirtioNetL1Test.GuestBoot.step(VirtioDevicesL1Test.SAY + "waiting for the host's mount",
                                MOUNTED_LIMIT, () -> {
                                    VirtioNetL1Test.run("mount", "-t", "tmpfs", "-o", "size=1m", "stk-volume",
                                            volume.toString());
                                    Files.writeString(volume.resolve("on-tmpfs.txt"), "mounted-by-the-host\n");
                                    Files.createFile(shared.resolve("host-mounted"));
                                }));

                String say = VirtioDevicesL1Test.SAY;
                assertTrue(console.contains(say + "mounted"), "mount -t virtiofs " + TAG + ":\n" + console
                        + "\nvirtiofsd's last lines: " + daemon.lastStderrLines());
                assertTrue(console.contains(say + "hello=from-the-host"), "the guest reads a host file:\n" + console);
                assertTrue(console.contains(say + "write done"), console);
                assertTrue(console.contains(say + "volume before=under-the-mount.txt "), console);
                assertTrue(console.contains(say + "volume after=on-tmpfs.txt "),
                        "the host's tmpfs replaced the directory's content in the guest:\n" + console);
                assertTrue(console.contains(say + "on the tmpfs=mounted-by-the-host"), console);
                assertTrue(console.contains(say + "unmounted"), console);
                assertEquals("written-by-the-guest\n",
                        Files.readString(shared.resolve("from-the-guest.txt"), StandardCharsets.UTF_8),
                        "the host sees the guest's file");
            }
        } finally {
            unmount(volume);
            unmount(shared);
        }
    }

    /** Lazily, so a failed test cannot leave a busy mount behind; a path that is not a mount point is left alone. */
    private static void unmount(Path path) throws Exception {
        Process p = new ProcessBuilder("mountpoint", "-q", path.toString()).start();
        if (p.waitFor() == 0) {
            VirtioNetL1Test.run("umount", "-l", path.toString());
        }
    }

    private static Path fetchedVirtiofsd() throws Exception {
        Path script = Path.of("..", "scripts", "fetch-virtiofsd.sh").toAbsolutePath().normalize();
        Process fetch = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(fetch.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assumeTrue(fetch.waitFor() == 0 && !out.isEmpty(), script + " found no fetched virtiofsd (run it on the host"
                + " first; L1 has no network)");
        Path wrapper = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assumeTrue(Files.isExecutable(wrapper), "no virtiofsd at " + wrapper);
        return wrapper;
    }
}
