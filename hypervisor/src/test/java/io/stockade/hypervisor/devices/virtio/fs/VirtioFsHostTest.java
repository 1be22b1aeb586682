package io.stockade.hypervisor.devices.virtio.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stockade.hypervisor.devices.virtio.MockDriverQueue;
import io.stockade.hypervisor.devices.virtio.VirtioFeatures;
import io.stockade.hypervisor.devices.virtio.Virtqueue;
import io.stockade.hypervisor.events.EventLoop;
import io.stockade.hypervisor.memory.GuestMemory;
import io.stockade.hypervisor.memory.RegionSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-fs end to end without KVM: a real virtiofsd (fetched by {@code scripts/fetch-virtiofsd.sh}) maps our memfd
 * guest memory, serves FUSE requests that a mock driver puts on the request queue, and writes its replies straight
 * into guest memory. The VMM side only forwards the kick and relays the call eventfd to the interrupt.
 */
@Tag("host")
class VirtioFsHostTest {
    private static final String CONTENT = "hello from the host, through virtiofsd and guest memory\n";
    private static final int QUEUE_SIZE = 64;
    // Two regions, so ring and buffer addresses must be translated through the right memory table entry.
    private static final long LOW = 0;
    private static final long HIGH = 0x40_0000;
    private static final int HIPRIO = 0;
    private static final int REQUESTS = 1;

    private static Path virtiofsd;

    @TempDir
    Path dir;

    private int leakableFdsBefore;
    private EventLoop loop;
    private GuestMemory memory;
    private VirtiofsdProcess daemon;
    private VirtioFs device;
    private MockDriverQueue requestQueue;
    private final Semaphore interrupts = new Semaphore(0);

    @BeforeAll
    static void fetchVirtiofsd() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "virtiofsd with a namespace sandbox needs root");
        Path script = Path.of("..", "scripts", "fetch-virtiofsd.sh").toAbsolutePath().normalize();
        Process fetch = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(fetch.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assumeTrue(fetch.waitFor(10, TimeUnit.MINUTES) && fetch.exitValue() == 0, script + " failed");
        virtiofsd = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assumeTrue(Files.isExecutable(virtiofsd), "no virtiofsd at " + virtiofsd);
    }

    @BeforeEach
    void startBackend() throws IOException {
        leakableFdsBefore = leakableFds();
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.writeString(shared.resolve("hello.txt"), CONTENT);
        loop = EventLoop.start("virtiofs-host-test");
        memory = GuestMemory.createMemfd("virtiofs-host-test",
                List.of(new RegionSpec(LOW, 0x10_0000), new RegionSpec(HIGH, 0x10_0000)));
        daemon = VirtiofsdProcess.start(new VirtiofsdOptions(virtiofsd, dir.resolve("fs.sock"), shared,
                VirtiofsdOptions.Cache.NEVER, VirtiofsdOptions.Sandbox.NAMESPACE), Duration.ofSeconds(30));
        device = VirtioFs.connect(VirtioFsConfig.of("shared", QUEUE_SIZE), daemon.socketPath(), Duration.ofSeconds(5),
                loop);
    }

    @AfterEach
    void stopEverything() {
        if (device != null) {
            device.close();
        }
        if (daemon != null) {
            daemon.close();
            assertFalse(daemon.isAlive(), "virtiofsd outlived close()");
        }
        if (memory != null) {
            memory.close();
        }
        if (loop != null) {
            loop.close();
        }
        assertEquals(leakableFdsBefore, leakableFds(), "eventfds, sockets or memfds leaked");
    }

    @Test
    void readsAHostFileThroughFuseRequestsOnTheRequestQueue() {
        GuestFuseClient fuse = activate();

        GuestFuseClient.Reply init = fuse.init();
        assertEquals(0, init.error(), "FUSE_INIT error");
        assertEquals(7, init.body().getInt(0), "FUSE major version");

        GuestFuseClient.Reply entry = fuse.lookup(GuestFuseClient.ROOT_NODE, "hello.txt");
        assertEquals(0, entry.error(), "FUSE_LOOKUP error");
        long node = entry.body().getLong(0);
        assertEquals(CONTENT.length(), entry.body().getLong(48), "size in fuse_entry_out");

        GuestFuseClient.Reply attr = fuse.getattr(node);
        assertEquals(0, attr.error(), "FUSE_GETATTR error");
        assertEquals(CONTENT.length(), attr.body().getLong(24), "size in fuse_attr_out");
        assertEquals(0100000, attr.body().getInt(76) & 0170000, "a regular file");

        GuestFuseClient.Reply open = fuse.open(node);
        assertEquals(0, open.error(), "FUSE_OPEN error");
        long fh = open.body().getLong(0);

        GuestFuseClient.Reply read = fuse.read(node, fh, 4096);
        assertEquals(0, read.error(), "FUSE_READ error");
        byte[] data = new byte[read.body().remaining()];
        read.body().get(data);
        assertEquals(CONTENT, new String(data, StandardCharsets.UTF_8));
    }

    @Test
    void lookupOfAMissingFileComesBackAsEnoent() {
        GuestFuseClient fuse = activate();
        assertEquals(0, fuse.init().error());
        assertEquals(-2, fuse.lookup(GuestFuseClient.ROOT_NODE, "no-such-file").error());
    }

    @Test
    void theDeviceCanBeResetAndActivatedAgain() {
        GuestFuseClient fuse = activate();
        assertEquals(0, fuse.init().error());
        device.reset();
        assertFalse(device.isBroken());
        GuestFuseClient again = activate();
        assertEquals(0, again.init().error());
    }

    @Test
    void aKilledBackendGivesAClearErrorAndNoHang() throws Exception {
        GuestFuseClient fuse = activate();
        assertEquals(0, fuse.init().error());

        ProcessHandle.of(daemon.pid()).orElseThrow().destroyForcibly();
        ProcessHandle.of(daemon.pid()).ifPresent(p -> p.onExit().join());

        // Noticed without any request: the event loop sees the socket hang up.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!device.isBroken()) {
            assertTrue(System.nanoTime() < deadline, "the dead backend was not noticed within 30 s");
            Thread.sleep(10);
        }
        device.queueNotify(REQUESTS); // a kick to a dead backend is dropped, not thrown
        device.reset();
        IllegalStateException e = assertThrows(IllegalStateException.class, this::activate);
        assertTrue(e.getMessage().contains(daemon.socketPath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("hung up"), e.getMessage());
    }

    @Test
    void connectingToAGoneBackendNamesTheSocket() {
        daemon.close();
        Path socket = daemon.socketPath();
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> VirtioFs.connect(VirtioFsConfig.of("shared", QUEUE_SIZE), socket, Duration.ofSeconds(5), loop));
        assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
    }

    /** Lays out both queues as a driver would and activates the device; returns a client on the request queue. */
    private GuestFuseClient activate() {
        MockDriverQueue hiprio = new MockDriverQueue(memory, LOW + 0x1000, QUEUE_SIZE);
        requestQueue = new MockDriverQueue(memory, LOW + 0x8000, QUEUE_SIZE);
        List<Virtqueue> queues = List.of(
                Virtqueue.create(device.name(), HIPRIO, memory, hiprio.layout(), VirtioFeatures.VERSION_1, r -> { }),
                Virtqueue.create(device.name(), REQUESTS, memory, requestQueue.layout(), VirtioFeatures.VERSION_1,
                        r -> { }));
        interrupts.drainPermits();
        device.activate(memory, queues, interrupts::release);
        return new GuestFuseClient(memory, requestQueue, device, REQUESTS, interrupts, HIGH + 0x1_0000);
    }

    /** This process's fds of the kinds the device and its backend use. */
    private static int leakableFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return (int) fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return "";
                }
            }).filter(target -> target.contains("eventfd") || target.startsWith("socket:")
                    || target.startsWith("/memfd:")).count();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
