package io.stockade.sandboxer.controller;

import io.stockade.sandboxer.events.ContainerdPublisher;
import io.stockade.sandboxer.mount.Mounter;
import io.stockade.sandboxer.runtime.PodExit;
import io.stockade.sandboxer.runtime.PodLaunch;
import io.stockade.sandboxer.runtime.PodRuntime;
import io.stockade.sandboxer.runtime.RunningPod;
import io.stockade.sandboxer.spec.PodFiles;
import io.stockade.sandboxer.store.SandboxRecord;
import io.stockade.sandboxer.store.SandboxStore;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import runtime.v1.Api.PodSandboxConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The pods' life cycle: Create records, Start boots the runtime and opens the pod's connection,
 * Stop kills it and keeps the state, Shutdown frees everything. Every step runs under the pod's own
 * lock.
 */
final class PodManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PodManager.class);
    private static final long SHM_BYTES = 64L << 20;

    private final Path rootDir;
    private final SandboxStore store;
    private final PodRuntime runtime;
    private final ContainerdPublisher publisher;
    private final Function<PodSandboxConfig, PodFiles> podFiles;
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();

    PodManager(
            Path rootDir,
            SandboxStore store,
            PodRuntime runtime,
            ContainerdPublisher publisher,
            Function<PodSandboxConfig, PodFiles> podFiles) {
        this.rootDir = rootDir;
        this.store = store;
        this.runtime = runtime;
        this.publisher = publisher;
        this.podFiles = podFiles;
    }

    PodRuntime runtime() {
        return runtime;
    }

    PodLayout layout(String id) {
        return PodLayout.of(rootDir, id);
    }

    Sandbox get(String id) {
        Sandbox sandbox = sandboxes.get(id);
        if (sandbox == null) {
            throw new SandboxNotFoundException(id);
        }
        return sandbox;
    }

    Collection<Sandbox> all() {
        return sandboxes.values();
    }

    /** Records a new pod; false if the id exists already. */
    boolean create(SandboxRecord record) {
        Sandbox sandbox = new Sandbox(record);
        if (sandboxes.putIfAbsent(record.id(), sandbox) != null) {
            return false;
        }
        sandbox.lock.lock();
        try {
            store.put(record);
        } catch (RuntimeException e) {
            sandboxes.remove(record.id(), sandbox);
            throw e;
        } finally {
            sandbox.lock.unlock();
        }
        log.info(
                "sandbox {}: created (namespace {}, {})",
                record.id(),
                record.namespace(),
                record.netnsPath().isEmpty() ? "host network" : "netns " + record.netnsPath());
        return true;
    }

    /** Starts the pod (idempotent while it runs) and returns its record. */
    SandboxRecord start(String id) {
        Sandbox sandbox = get(id);
        sandbox.lock.lock();
        try {
            checkAttached(sandbox);
            switch (sandbox.record.state()) {
                case STARTED -> {
                    return sandbox.record;
                }
                case STOPPED ->
                        throw new IllegalStateException(
                                "sandbox " + id + " was stopped; it cannot start again");
                case CREATED -> {}
            }
            PodLayout layout = layout(id);
            PodLaunch launch = launch(sandbox.record);
            preparePodDir(sandbox.record, layout);
            RunningPod pod;
            try {
                pod = runtime.start(launch);
            } catch (RuntimeException e) {
                removePodDir(id, layout);
                throw e;
            }
            try {
                sandbox.connection = PodConnection.open(id, pod, layout, publisher);
                SandboxRecord started = sandbox.record.started(pod.pid(), pod.pidStartedAt());
                store.put(started);
                sandbox.record = started;
            } catch (RuntimeException e) {
                if (sandbox.connection != null) {
                    sandbox.connection.close();
                    sandbox.connection = null;
                }
                pod.kill();
                runtime.cleanUp(launch);
                removePodDir(id, layout);
                throw e;
            }
            sandbox.pod = pod;
            watch(sandbox, pod);
            log.info(
                    "sandbox {}: started, {} pid {}, Task API at {}",
                    id,
                    pod.kind(),
                    pod.pid(),
                    layout.taskAddress());
            return sandbox.record;
        } finally {
            sandbox.lock.unlock();
        }
    }

    /** Kills the pod's runtime and containers; keeps the state for Shutdown. Idempotent. */
    void stop(String id) {
        Sandbox sandbox = get(id);
        sandbox.lock.lock();
        try {
            checkAttached(sandbox);
            stopLocked(sandbox);
        } finally {
            sandbox.lock.unlock();
        }
    }

    private void stopLocked(Sandbox sandbox) {
        switch (sandbox.record.state()) {
            case STOPPED -> {}
            case CREATED -> markStopped(sandbox, new PodExit(0, Instant.now()));
            case STARTED -> {
                if (sandbox.connection != null) {
                    sandbox.connection.close();
                    sandbox.connection = null;
                }
                PodExit exit;
                if (sandbox.pod != null) {
                    sandbox.pod.kill();
                    exit = sandbox.pod.exit().join();
                } else {
                    exit = new PodExit(PodExit.UNKNOWN_STATUS, Instant.now());
                }
                runtime.cleanUp(launch(sandbox.record));
                markStopped(sandbox, exit);
                log.info("sandbox {}: stopped (exit status {})", sandbox.id, exit.status());
            }
        }
    }

    /** Frees everything of the pod; an unknown id is fine. */
    void shutdown(String id) {
        Sandbox sandbox = sandboxes.get(id);
        if (sandbox == null) {
            return;
        }
        sandbox.lock.lock();
        try {
            if (sandbox.detached) {
                return;
            }
            stopLocked(sandbox);
            runtime.cleanUp(launch(sandbox.record));
            removePodDir(id, layout(id));
            store.remove(id);
            sandbox.detached = true;
            sandboxes.remove(id, sandbox);
            log.info("sandbox {}: shut down", id);
        } finally {
            sandbox.lock.unlock();
        }
    }

    /** Re-attaches to the pods recorded in the store (after a sandboxer restart). */
    void recover() {
        for (SandboxRecord record : store.loadAll()) {
            Sandbox sandbox = new Sandbox(record);
            sandboxes.put(record.id(), sandbox);
            sandbox.lock.lock();
            try {
                switch (record.state()) {
                    case CREATED -> log.info("sandbox {}: recovered, not started", record.id());
                    case STOPPED -> {
                        sandbox.exited.complete(
                                new PodExit(
                                        record.exitStatus(),
                                        record.exitedAt() == null
                                                ? Instant.now()
                                                : record.exitedAt()));
                        log.info("sandbox {}: recovered, stopped", record.id());
                    }
                    case STARTED -> reattach(sandbox);
                }
            } catch (RuntimeException e) {
                log.error("sandbox {}: cannot recover it; marking it stopped", record.id(), e);
                markStopped(sandbox, new PodExit(PodExit.UNKNOWN_STATUS, Instant.now()));
            } finally {
                sandbox.lock.unlock();
            }
        }
    }

    private void reattach(Sandbox sandbox) {
        PodLaunch launch = launch(sandbox.record);
        Optional<RunningPod> found = runtime.reattach(sandbox.record, launch);
        if (found.isEmpty()) {
            log.warn(
                    "sandbox {}: its {} runtime (pid {}) is gone; marking it stopped",
                    sandbox.id,
                    sandbox.record.runtime(),
                    sandbox.record.pid());
            runtime.cleanUp(launch);
            markStopped(sandbox, new PodExit(PodExit.UNKNOWN_STATUS, Instant.now()));
            return;
        }
        RunningPod pod = found.get();
        sandbox.pod = pod;
        sandbox.connection = PodConnection.open(sandbox.id, pod, layout(sandbox.id), publisher);
        watch(sandbox, pod);
        log.info("sandbox {}: re-attached to {} pid {}", sandbox.id, pod.kind(), pod.pid());
    }

    /**
     * When the runtime dies on its own, the pod becomes stopped (Wait returns, Status says
     * NOTREADY).
     */
    private void watch(Sandbox sandbox, RunningPod pod) {
        pod.exit()
                .whenCompleteAsync(
                        (exit, failure) -> {
                            sandbox.lock.lock();
                            try {
                                if (sandbox.detached
                                        || sandbox.pod != pod
                                        || sandbox.record.state() != SandboxRecord.State.STARTED) {
                                    return;
                                }
                                log.warn(
                                        "sandbox {}: {} runtime (pid {}) exited on its own with status {}",
                                        sandbox.id,
                                        pod.kind(),
                                        pod.pid(),
                                        exit == null ? "unknown" : exit.status());
                                if (sandbox.connection != null) {
                                    sandbox.connection.close();
                                    sandbox.connection = null;
                                }
                                runtime.cleanUp(launch(sandbox.record));
                                markStopped(
                                        sandbox,
                                        exit != null
                                                ? exit
                                                : new PodExit(
                                                        PodExit.UNKNOWN_STATUS, Instant.now()));
                            } catch (RuntimeException e) {
                                log.error(
                                        "sandbox {}: handling its runtime's exit failed",
                                        sandbox.id,
                                        e);
                            } finally {
                                sandbox.lock.unlock();
                            }
                        });
    }

    private void markStopped(Sandbox sandbox, PodExit exit) {
        SandboxRecord stopped = sandbox.record.stopped(exit.status(), exit.exitedAt());
        sandbox.record = stopped;
        sandbox.exited.complete(exit);
        store.put(stopped);
    }

    private static void checkAttached(Sandbox sandbox) {
        if (sandbox.detached) {
            throw new SandboxNotFoundException(sandbox.id);
        }
    }

    private PodLaunch launch(SandboxRecord record) {
        return new PodLaunch(
                record.id(), record.namespace(), record.netnsPath(), layout(record.id()).dir());
    }

    private void preparePodDir(SandboxRecord record, PodLayout layout) {
        try {
            PodSandboxConfig config = PodSandboxConfig.parseFrom(record.podConfig());
            PodFiles files = podFiles.apply(config);
            Files.createDirectories(layout.shmDir());
            Files.writeString(layout.sharedDir().resolve("hosts"), files.hosts());
            Files.writeString(layout.sharedDir().resolve("hostname"), files.hostname());
            Files.writeString(layout.sharedDir().resolve("resolv.conf"), files.resolvConf());
            if (Mounter.mountsUnder(layout.shmDir()).isEmpty()) {
                Mounter.mountTmpfs(layout.shmDir(), SHM_BYTES);
            }
        } catch (IOException e) {
            removePodDir(record.id(), layout);
            throw new UncheckedIOException(
                    "sandbox "
                            + record.id()
                            + ": cannot prepare "
                            + layout.dir()
                            + ": "
                            + e.getMessage(),
                    e);
        } catch (RuntimeException e) {
            removePodDir(record.id(), layout);
            throw e;
        }
    }

    /** Unmounts everything under the pod dir and removes it. */
    private static void removePodDir(String id, PodLayout layout) {
        Path dir = layout.dir();
        Mounter.unmountAllUnder(dir);
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> left = Mounter.mountsUnder(dir);
        if (!left.isEmpty()) {
            throw new IllegalStateException(
                    "sandbox " + id + ": mounts are left under " + dir + ": " + left);
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "sandbox " + id + ": cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lets go of every pod without stopping any (their runtimes keep running for the next
     * sandboxer).
     */
    @Override
    public void close() {
        for (Sandbox sandbox : sandboxes.values()) {
            sandbox.lock.lock();
            try {
                sandbox.detached = true;
                if (sandbox.connection != null) {
                    sandbox.connection.close();
                    sandbox.connection = null;
                }
            } finally {
                sandbox.lock.unlock();
            }
        }
        sandboxes.clear();
    }
}
