package io.stockade.sandboxer.e2e;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.stockade.testkit.containerd.ContainerdFixture;
import io.stockade.testkit.cri.CriConfigFragment;
import io.stockade.testkit.cri.SandboxerRuntime;
import io.stockade.testkit.oci.BusyboxLayer;
import io.stockade.testkit.oci.Layer;
import io.stockade.testkit.oci.OciImage;
import io.stockade.testkit.oci.TestImages;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import runtime.v1.Api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;

/**
 * One Kubernetes node in miniature for end-to-end tests: a private containerd 2.1 with CRI, containerd's own runc
 * runtime (local pause image, {@code restrict_oom_score_adj}) and the runtime handler {@code stockade} wired to a
 * process-mode sandboxer running as a child JVM; the busybox and pause images imported. Needs root.
 *
 * <p>Containers the tests start run {@link #sleepForever()}, whose argument is unique to this node, so any of their
 * processes still alive after the pods are removed is found by {@link #leftovers()}. {@link #close()} removes
 * every pod still known to CRI, stops everything, kills what is left of this node and deletes its directory.
 */
public final class CriNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CriNode.class);
    public static final String STOCKADE = "stockade";
    public static final String RUNC = "runc";
    static final String SHIM_STUB = "packaging/containerd-shim-stockade-v1";
    static final String REPO_ROOT_PROPERTY = "stockade.repo.root";

    private final SandboxerPaths paths;
    private final RestartableContainerd containerd;
    private final Optional<SandboxerProcess> sandboxer;
    private final Optional<CniNetwork> podNetwork;
    private final CriClient cri;
    private final String marker;
    private boolean closed;

    private CriNode(SandboxerPaths paths, RestartableContainerd containerd, Optional<SandboxerProcess> sandboxer,
            Optional<CniNetwork> podNetwork, String marker) {
        this.paths = paths;
        this.containerd = containerd;
        this.sandboxer = sandboxer;
        this.podNetwork = podNetwork;
        this.marker = marker;
        this.cri = new CriClient(containerd.fixture().grpcSocket());
    }

    /** A node with the stockade sandboxer running. */
    public static CriNode start() {
        return start(true, false);
    }

    /**
     * A node with the stockade sandboxer and a CNI pod network ({@link CniNetwork}): containerd runs inside a network
     * namespace the node created, so pods that are not host-network get addresses on a private bridge there.
     */
    static CriNode startWithPodNetwork() {
        return start(true, true);
    }

    /** A node with only containerd's runc runtime usable (the stockade handler is configured, nothing serves it). */
    static CriNode startWithoutSandboxer() {
        return start(false, false);
    }

    private static CriNode start(boolean withSandboxer, boolean withPodNetwork) {
        Path stub = shimStub();
        SandboxerPaths paths;
        try {
            // Short and private: pod ids are 64 characters and sockets live under the root (107-byte limit).
            Path base = Path.of("/tmp", "se-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
            Files.createDirectory(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            paths = new SandboxerPaths(base);
            Files.createDirectories(paths.base().resolve("cni-bin"));
            Files.createDirectories(paths.base().resolve("cni-conf"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the node directory", e);
        }
        // Without a pod network CRI gets an empty plugin dir: it must never set up networking on the host.
        String fragment = CriConfigFragment.builder(TestImages.PAUSE_NAME)
                .sandboxer(new SandboxerRuntime(STOCKADE, paths.socket()))
                .cni(withPodNetwork ? CniNetwork.PLUGIN_DIR : paths.base().resolve("cni-bin"),
                        paths.base().resolve("cni-conf"))
                .build()
                .render();
        CniNetwork network = null;
        RestartableContainerd containerd = null;
        SandboxerProcess sandboxer = null;
        CriNode node;
        try {
            if (withPodNetwork) {
                network = CniNetwork.create(paths.base().resolve("cni-conf"), paths.base().resolve("cni-ipam"));
            }
            containerd = new RestartableContainerd(
                    ContainerdFixture.builder().withTomlFragment(fragment).start(), stub.getParent());
            for (OciImage image : Images.ALL) {
                image.importInto(containerd.fixture(), "k8s.io");
            }
            if (network != null) {
                containerd.moveIntoNetworkNamespace(network.namespaceFile());
                containerd.restart(true);
            }
            if (withSandboxer) {
                sandboxer = new SandboxerProcess(paths, containerd.fixture().ttrpcSocket());
                sandboxer.start();
            }
            String marker = Long.toString(100_000_000L + ThreadLocalRandom.current().nextLong(800_000_000L));
            node = new CriNode(paths, containerd, Optional.ofNullable(sandboxer), Optional.ofNullable(network),
                    marker);
        } catch (RuntimeException e) {
            if (sandboxer != null) {
                sandboxer.close();
            }
            if (containerd != null) {
                containerd.close();
            }
            if (network != null) {
                network.close();
            }
            deleteQuietly(paths.base());
            throw e;
        }
        try {
            node.awaitCriReady();
        } catch (RuntimeException | AssertionError e) {
            node.close();
            throw e;
        }
        log.info("CRI node ready: containerd {}, sandboxer {}, base {}", node.containerd.fixture().grpcSocket(),
                withSandboxer ? paths.socket() : "(none)", paths.base());
        return node;
    }

    public CriClient cri() {
        return cri;
    }

    SandboxerPaths paths() {
        return paths;
    }

    /** Where pods created by {@link CriSpecs#hostNetworkPod} keep their container logs. */
    public Path logRoot() {
        return paths.base().resolve("pod-logs");
    }

    String busyboxImage() {
        return TestImages.BUSYBOX_NAME;
    }

    /** A command that sleeps "forever" with an argument unique to this node (see {@link #leftovers()}). */
    List<String> sleepForever() {
        return List.of("sleep", marker);
    }

    /**
     * A shell that runs {@code script}, then sleeps like {@link #sleepForever()} and exits on SIGTERM (a shell as
     * PID 1 has no default signal actions, so without the trap every StopContainer would wait for its SIGKILL).
     */
    List<String> shellThenSleep(String script) {
        return List.of("sh", "-c", "trap 'exit 0' TERM; " + script + "; sleep " + marker + " & wait");
    }

    RestartableContainerd containerd() {
        return containerd;
    }

    SandboxerProcess sandboxer() {
        return sandboxer.orElseThrow(() -> new IllegalStateException("this node runs no sandboxer"));
    }

    /**
     * Restarts containerd (with {@code containerd-shim-stockade-v1} on its PATH, as packaging installs it) and waits
     * (bounded) until CRI, which recovers its pods first, answers again.
     */
    void restartContainerd() {
        containerd.restart(true);
        awaitCriReady();
    }

    /** Like {@link #restartContainerd()} on a node where the shim stub was never installed. */
    void restartContainerdWithoutShimStub() {
        containerd.restart(false);
        awaitCriReady();
    }

    /** Waits until CRI's Status reports the runtime ready (it answers UNAVAILABLE while it is recovering). */
    void awaitCriReady() {
        Eventually.until("CRI reports RuntimeReady", () -> {
            try {
                return cri.runtime().status(Api.StatusRequest.getDefaultInstance()).getStatus().getConditionsList()
                        .stream().anyMatch(c -> c.getType().equals("RuntimeReady") && c.getStatus());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    return false;
                }
                throw e;
            }
        }, containerd.fixture()::logTail);
    }

    /** Stops the sandboxer the way systemd does (SIGTERM to the main process only) and starts a new one. */
    void restartSandboxer() {
        SandboxerProcess process = sandboxer();
        process.stop();
        process.start();
    }

    /** Everything of this node still on the host besides containerd and the sandboxer themselves. */
    List<String> leftovers() {
        Set<Long> own = new HashSet<>();
        own.add(containerd.pid());
        sandboxer.filter(SandboxerProcess::isAlive).ifPresent(s -> own.add(s.pid()));
        return Leftovers.find(paths, marker, own);
    }

    /** For failure messages: the tails of the sandboxer's and containerd's logs. */
    public String diagnostics() {
        return "--- sandboxer log tail ---\n" + sandboxer.map(SandboxerProcess::logTail).orElse("(no sandboxer)")
                + "\n--- containerd log tail ---\n" + containerd.fixture().logTail();
    }

    /** Stops and removes every pod CRI knows; failures are logged, not thrown (this is cleanup). */
    public void removeAllPods() {
        List<Api.PodSandbox> pods;
        try {
            pods = cri.listPodSandboxes();
        } catch (RuntimeException e) {
            log.warn("cannot list pods to clean up: {}", e.toString());
            return;
        }
        for (Api.PodSandbox pod : pods) {
            try {
                cri.stopPodSandbox(pod.getId());
                cri.removePodSandbox(pod.getId());
            } catch (RuntimeException e) {
                log.warn("cannot remove pod {} ({}): {}", pod.getId(), pod.getMetadata().getName(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        removeAllPods();
        cri.close();
        sandboxer.ifPresent(SandboxerProcess::close);
        containerd.close();
        podNetwork.ifPresent(CniNetwork::close);
        for (ProcessHandle process : Leftovers.processesMentioning(List.of(paths.base().toString(), marker), Set.of())) {
            log.warn("killing leftover process {}: {}", process.pid(), process.info().commandLine().orElse("?"));
            process.destroyForcibly();
        }
        for (Path mountPoint : Leftovers.mountsUnder(paths.base())) {
            try {
                new ProcessBuilder("umount", "-l", mountPoint.toString()).inheritIO().start().waitFor();
            } catch (IOException e) {
                log.warn("cannot unmount {}: {}", mountPoint, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteQuietly(paths.base());
    }

    private static void deleteQuietly(Path dir) {
        if (!Leftovers.mountsUnder(dir).isEmpty()) {
            log.warn("not deleting {}: mounts remain under it", dir);
            return;
        }
        try {
            MoreFiles.deleteRecursively(dir, RecursiveDeleteOption.ALLOW_INSECURE);
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", dir, e.toString());
        }
    }

    /** {@code packaging/containerd-shim-stockade-v1} of this checkout. */
    static Path shimStub() {
        String configured = System.getProperty(REPO_ROOT_PROPERTY);
        Path dir = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            Path stub = candidate.resolve(SHIM_STUB);
            if (Files.isExecutable(stub)) {
                return stub.toAbsolutePath();
            }
        }
        throw new IllegalStateException("no executable " + SHIM_STUB + " in " + dir + " or its parents (set -D"
                + REPO_ROOT_PROPERTY + ")");
    }

    /** The images every node imports, built once per JVM from the host's busybox. */
    private static final class Images {
        static final Layer BUSYBOX = BusyboxLayer.create();
        static final List<OciImage> ALL = List.of(TestImages.pause(BUSYBOX), TestImages.busybox(BUSYBOX));
    }
}
