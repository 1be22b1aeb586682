package io.stockade.sandboxer.main;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;

import containerd.services.sandbox.v1.Sandbox.ControllerCreateRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerPlatformRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerShutdownRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStartResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerStatusResponse;
import containerd.services.sandbox.v1.Sandbox.ControllerStopRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitRequest;
import containerd.services.sandbox.v1.Sandbox.ControllerWaitResponse;
import containerd.task.v3.Shim.ConnectRequest;
import containerd.task.v3.Shim.CreateTaskRequest;
import containerd.task.v3.Shim.DeleteRequest;
import containerd.task.v3.Shim.ExecProcessRequest;
import containerd.task.v3.Shim.KillRequest;
import containerd.task.v3.Shim.PidsRequest;
import containerd.task.v3.Shim.StartRequest;
import containerd.task.v3.Shim.StateRequest;
import containerd.task.v3.Shim.StateResponse;
import containerd.task.v3.Shim.WaitRequest;
import containerd.task.v3.TaskGrpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.unix.DomainSocketAddress;
import io.stockade.sandboxer.config.RuntimeKind;
import io.stockade.sandboxer.config.SandboxerConfig;
import io.stockade.sandboxer.mount.Mounter;
import io.stockade.ttrpc.TtrpcChannel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import runtime.v1.Api.DNSConfig;
import runtime.v1.Api.PodSandboxConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The sandboxer in process mode, driven like containerd drives it but without containerd: the
 * Controller over gRPC on its unix socket, the pod's Task proxy over ttrpc, a real agent child
 * process, real runc, overlay rootfs, host FIFOs. Needs root, runc, busybox, ip.
 */
@Tag("host")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SandboxerHostTest {
    private Path dir;
    private SandboxerConfig config;
    private Sandboxer sandboxer;
    private ControllerClient controller;
    private FakeContainerdEvents events;
    private BusyboxPod image;
    private final List<String> netnsToDelete = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "sbx-");
        image = new BusyboxPod(dir.resolve("image"));
        events = new FakeContainerdEvents(dir.resolve("containerd.ttrpc"));
        config =
                new SandboxerConfig(
                        dir.resolve("run"),
                        dir.resolve("state"),
                        dir.resolve("run/sandboxer.sock"),
                        RuntimeKind.PROCESS,
                        dir.resolve("containerd.ttrpc"),
                        "runc",
                        Duration.ofSeconds(60),
                        List.of(),
                        "info");
        sandboxer = Sandboxer.start(config);
        controller = new ControllerClient(config.listen());
    }

    @AfterEach
    void stop() throws Exception {
        if (controller != null) {
            controller.close();
        }
        if (sandboxer != null) {
            sandboxer.close();
        }
        events.close();
        for (String netns : netnsToDelete) {
            new ProcessBuilder("ip", "netns", "del", netns).inheritIO().start().waitFor();
        }
        Mounter.unmountAllUnder(dir);
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    @Test
    void runsAPodWithContainersExecsAndStdioThenLeavesNothingBehind() throws Exception {
        String netns = newNetns();
        String sid = "pod-" + UUID.randomUUID();
        createPod(sid, netns);

        StatusRuntimeException again =
                assertThrows(StatusRuntimeException.class, () -> createPod(sid, netns));
        assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
        assertEquals("SANDBOX_NOTREADY", status(sid).getState());

        ControllerStartResponse started =
                controller
                        .call()
                        .start(
                                ControllerStartRequest.newBuilder()
                                        .setSandboxId(sid)
                                        .setSandboxer("stockade")
                                        .build());
        Path podDir = config.rootDir().resolve(sid);
        assertEquals("ttrpc+unix://" + podDir.resolve("task.sock"), started.getAddress());
        assertEquals(3, started.getVersion());
        long agentPid = started.getPid();
        assertTrue(
                ProcessHandle.of(agentPid).map(ProcessHandle::isAlive).orElse(false),
                "agent process runs");

        ControllerStatusResponse ready = status(sid);
        assertEquals("SANDBOX_READY", ready.getState());
        assertEquals(started.getAddress(), ready.getAddress());
        assertEquals(3, ready.getVersion());
        assertEquals(agentPid, ready.getPid());
        assertEquals("false", ready.getInfoOrThrow("hardware_isolated"));
        assertEquals("process", ready.getInfoOrThrow("runtime"));
        assertEquals(
                "amd64",
                controller
                        .call()
                        .platform(ControllerPlatformRequest.newBuilder().setSandboxId(sid).build())
                        .getPlatform()
                        .getArchitecture());

        var wait =
                controller
                        .async()
                        .wait(ControllerWaitRequest.newBuilder().setSandboxId(sid).build());
        try (TtrpcChannel channel =
                TtrpcChannel.connect(
                        new DomainSocketAddress(podDir.resolve("task.sock").toString()))) {
            TaskGrpc.TaskBlockingStub tasks =
                    TaskGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            Path fifos = Files.createDirectories(dir.resolve("fifos"));

            // The container: prints what the pod files say, then stays up for execs.
            Path bundle =
                    image.bundle(
                            "c1",
                            netns,
                            "sh",
                            "-c",
                            "echo out-$(cat /etc/hostname); echo err-line >&2; cat /etc/resolv.conf; echo ready; exec sleep 600");
            Fifo.Reader stdout = new Fifo.Reader(Fifo.make(fifos.resolve("c1-stdout")));
            Fifo.Reader stderr = new Fifo.Reader(Fifo.make(fifos.resolve("c1-stderr")));
            int pid =
                    tasks.create(
                                    CreateTaskRequest.newBuilder()
                                            .setId("c1")
                                            .setBundle(bundle.toString())
                                            .addRootfs(image.overlay("c1"))
                                            .setStdout(fifos.resolve("c1-stdout").toString())
                                            .setStderr(fifos.resolve("c1-stderr").toString())
                                            .build())
                            .getPid();
            assertTrue(pid > 0);
            assertEquals(
                    List.of(podDir.resolve("shared/c1/rootfs")),
                    Mounter.mountsUnder(podDir.resolve("shared/c1")));
            tasks.start(StartRequest.newBuilder().setId("c1").build());

            String out = stdout.awaitText("ready\n");
            assertTrue(out.startsWith("out-pod-host\n"), out);
            assertTrue(out.contains("nameserver 10.96.0.10\nsearch svc.cluster.local\n"), out);
            assertEquals("err-line\n", stderr.awaitText("err-line\n"));

            StateResponse state = tasks.state(StateRequest.newBuilder().setId("c1").build());
            assertEquals(
                    bundle.toString(),
                    state.getBundle(),
                    "State answers with containerd's bundle path");
            assertEquals(containerd.v1.types.Task.Status.RUNNING, state.getStatus());
            assertFalse(
                    tasks.pids(PidsRequest.newBuilder().setId("c1").build())
                            .getProcessesList()
                            .isEmpty());
            assertEquals(
                    agentPid,
                    tasks.connect(ConnectRequest.newBuilder().setId("c1").build()).getShimPid());

            // Exec with stdin: bytes go through cat and come back unchanged.
            byte[] payload = new byte[300_000];
            new Random(7).nextBytes(payload);
            Fifo.make(fifos.resolve("e1-stdin"));
            Fifo.Reader execOut = new Fifo.Reader(Fifo.make(fifos.resolve("e1-stdout")));
            var written = Fifo.write(fifos.resolve("e1-stdin"), payload);
            tasks.exec(
                    ExecProcessRequest.newBuilder()
                            .setId("c1")
                            .setExecId("e1")
                            .setStdin(fifos.resolve("e1-stdin").toString())
                            .setStdout(fifos.resolve("e1-stdout").toString())
                            .setSpec(processSpec("cat"))
                            .build());
            tasks.start(StartRequest.newBuilder().setId("c1").setExecId("e1").build());
            written.get(60, TimeUnit.SECONDS);
            assertArrayEquals(payload, execOut.all());
            assertEquals(
                    0,
                    tasks.wait(WaitRequest.newBuilder().setId("c1").setExecId("e1").build())
                            .getExitStatus());
            tasks.delete(DeleteRequest.newBuilder().setId("c1").setExecId("e1").build());

            // The container lives in the pod's network namespace.
            Fifo.Reader nsOut = new Fifo.Reader(Fifo.make(fifos.resolve("e2-stdout")));
            tasks.exec(
                    ExecProcessRequest.newBuilder()
                            .setId("c1")
                            .setExecId("e2")
                            .setStdout(fifos.resolve("e2-stdout").toString())
                            .setSpec(processSpec("readlink", "/proc/self/ns/net"))
                            .build());
            tasks.start(StartRequest.newBuilder().setId("c1").setExecId("e2").build());
            Object netnsInode = Files.getAttribute(Path.of(netns), "unix:ino");
            assertEquals(
                    "net:[" + netnsInode + "]\n", new String(nsOut.all(), StandardCharsets.UTF_8));
            tasks.delete(DeleteRequest.newBuilder().setId("c1").setExecId("e2").build());

            tasks.kill(KillRequest.newBuilder().setId("c1").setSignal(9).build());
            assertEquals(
                    137, tasks.wait(WaitRequest.newBuilder().setId("c1").build()).getExitStatus());
            assertTrue(
                    new String(stdout.all(), StandardCharsets.UTF_8).endsWith("ready\n"),
                    "stdout reaches EOF");
            stderr.all();
            tasks.delete(DeleteRequest.newBuilder().setId("c1").build());
            assertEquals(List.of(), Mounter.mountsUnder(podDir.resolve("shared/c1")));
            assertFalse(Files.exists(podDir.resolve("shared/c1")));
            StatusRuntimeException gone =
                    assertThrows(
                            StatusRuntimeException.class,
                            () -> tasks.state(StateRequest.newBuilder().setId("c1").build()));
            assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        }

        awaitTopics(
                "/tasks/create",
                "/tasks/start",
                "/tasks/exec-added",
                "/tasks/exit",
                "/tasks/delete");
        assertTrue(events.received.stream().allMatch(e -> e.getNamespace().equals("k8s.io")));

        controller
                .call()
                .stop(
                        ControllerStopRequest.newBuilder()
                                .setSandboxId(sid)
                                .setTimeoutSecs(0)
                                .build());
        ControllerWaitResponse exited = wait.get(60, TimeUnit.SECONDS);
        assertTrue(exited.getExitedAt().getSeconds() > 0);
        assertEquals("SANDBOX_NOTREADY", status(sid).getState());
        controller.call().stop(ControllerStopRequest.newBuilder().setSandboxId(sid).build());
        assertEquals(
                exited.getExitedAt(),
                controller
                        .call()
                        .wait(ControllerWaitRequest.newBuilder().setSandboxId(sid).build())
                        .getExitedAt(),
                "a second Wait answers at once with the same exit");
        assertFalse(
                ProcessHandle.of(agentPid).map(ProcessHandle::isAlive).orElse(false),
                "agent is gone after Stop");

        controller
                .call()
                .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(sid).build());
        controller
                .call()
                .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(sid).build());
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(StatusRuntimeException.class, () -> status(sid))
                        .getStatus()
                        .getCode());
        assertNothingLeft(sid);
    }

    @Test
    void hostNetworkPodRunsInTheHostNetworkNamespace() throws Exception {
        String sid = "hostnet-" + UUID.randomUUID().toString().substring(0, 8);
        createPod(sid, "");
        controller.call().start(ControllerStartRequest.newBuilder().setSandboxId(sid).build());
        Path podDir = config.rootDir().resolve(sid);
        try (TtrpcChannel channel =
                TtrpcChannel.connect(
                        new DomainSocketAddress(podDir.resolve("task.sock").toString()))) {
            TaskGrpc.TaskBlockingStub tasks =
                    TaskGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            Path fifo = Fifo.make(dir.resolve("hostnet-stdout"));
            Fifo.Reader out = new Fifo.Reader(fifo);
            tasks.create(
                    CreateTaskRequest.newBuilder()
                            .setId("c")
                            .setBundle(
                                    image.bundle("c", "", "readlink", "/proc/self/ns/net")
                                            .toString())
                            .addRootfs(image.overlay("hostnet-c"))
                            .setStdout(fifo.toString())
                            .build());
            tasks.start(StartRequest.newBuilder().setId("c").build());
            assertEquals(
                    Files.readSymbolicLink(Path.of("/proc/self/ns/net")) + "\n",
                    new String(out.all(), StandardCharsets.UTF_8));
            tasks.wait(WaitRequest.newBuilder().setId("c").build());
            // Shutdown without Delete: the pod's end takes the container's mounts with it.
        }
        controller
                .call()
                .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(sid).build());
        assertNothingLeft(sid);
    }

    @Test
    void rejectsUnknownAndMalformedSandboxIds() throws Exception {
        for (String bad : List.of("a/b", "..", "../etc", "x".repeat(200), "")) {
            StatusRuntimeException e =
                    assertThrows(StatusRuntimeException.class, () -> createPod(bad, ""));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), bad);
        }
        String unknown = "never-created";
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        controller
                                                .call()
                                                .start(
                                                        ControllerStartRequest.newBuilder()
                                                                .setSandboxId(unknown)
                                                                .build()))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(StatusRuntimeException.class, () -> status(unknown))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        controller
                                                .call()
                                                .stop(
                                                        ControllerStopRequest.newBuilder()
                                                                .setSandboxId(unknown)
                                                                .build()))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        controller
                                                .call()
                                                .wait(
                                                        ControllerWaitRequest.newBuilder()
                                                                .setSandboxId(unknown)
                                                                .build()))
                        .getStatus()
                        .getCode());
        assertEquals(
                Status.Code.NOT_FOUND,
                assertThrows(
                                StatusRuntimeException.class,
                                () ->
                                        controller
                                                .call()
                                                .platform(
                                                        ControllerPlatformRequest.newBuilder()
                                                                .setSandboxId(unknown)
                                                                .build()))
                        .getStatus()
                        .getCode());
        controller
                .call()
                .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(unknown).build());
        assertFalse(Files.exists(config.stateDir().resolve(unknown)));
    }

    @Test
    void anAgentThatNeverAnswersFailsStartInBoundedTimeAndLeavesNothing() throws Exception {
        sandboxer.close();
        controller.close();
        String marker = dir.getFileName().toString();
        // "sh -c 'sleep 3600' agent --listen ..." : a program that takes the agent's options and
        // never listens.
        config =
                new SandboxerConfig(
                        config.rootDir(),
                        config.stateDir(),
                        config.listen(),
                        RuntimeKind.PROCESS,
                        config.containerdTtrpcAddress(),
                        "runc",
                        Duration.ofSeconds(2),
                        List.of("sh", "-c", "sleep 3600", "agent"),
                        "info");
        sandboxer = Sandboxer.start(config);
        controller = new ControllerClient(config.listen());
        String sid = "mute-agent";
        createPod(sid, "");
        StatusRuntimeException e =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                controller
                                        .call()
                                        .start(
                                                ControllerStartRequest.newBuilder()
                                                        .setSandboxId(sid)
                                                        .build()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        assertTrue(
                e.getStatus().getDescription().contains("did not answer"),
                e.getStatus().getDescription());
        assertEquals(List.of(), processesMentioning(marker), "the mute agent was killed");
        assertFalse(Files.exists(config.rootDir().resolve(sid)), "pod dir removed");
        assertEquals(List.of(), Mounter.mountsUnder(config.rootDir()));
        assertEquals("SANDBOX_NOTREADY", status(sid).getState());
        controller
                .call()
                .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(sid).build());
        assertNothingLeft(sid);
    }

    @Test
    void aRestartedSandboxerReattachesToLivePodsAndMarksDeadOnesStopped() throws Exception {
        String live = "live-pod";
        String dead = "dead-pod";
        createPod(live, "");
        createPod(dead, "");
        long livePid =
                controller
                        .call()
                        .start(ControllerStartRequest.newBuilder().setSandboxId(live).build())
                        .getPid();
        long deadPid =
                controller
                        .call()
                        .start(ControllerStartRequest.newBuilder().setSandboxId(dead).build())
                        .getPid();
        Path liveDir = config.rootDir().resolve(live);
        try (TtrpcChannel channel =
                TtrpcChannel.connect(
                        new DomainSocketAddress(liveDir.resolve("task.sock").toString()))) {
            TaskGrpc.TaskBlockingStub tasks =
                    TaskGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            tasks.create(
                    CreateTaskRequest.newBuilder()
                            .setId("sleeper")
                            .setBundle(image.bundle("sleeper", "", "sleep", "600").toString())
                            .addRootfs(image.overlay("sleeper"))
                            .build());
            tasks.start(StartRequest.newBuilder().setId("sleeper").build());
        }

        var pendingWait =
                controller
                        .async()
                        .wait(ControllerWaitRequest.newBuilder().setSandboxId(live).build());
        Thread.sleep(200);
        sandboxer.close();
        // containerd retries Wait on UNAVAILABLE only; any other code would make it think the pod
        // exited.
        var waitFailure =
                assertThrows(
                        java.util.concurrent.ExecutionException.class,
                        () -> pendingWait.get(30, TimeUnit.SECONDS));
        assertEquals(
                Status.Code.UNAVAILABLE, Status.fromThrowable(waitFailure.getCause()).getCode());
        controller.close();
        ProcessHandle.of(deadPid).ifPresent(ProcessHandle::destroyForcibly);
        ProcessHandle.of(deadPid).ifPresent(h -> h.onExit().join());
        assertTrue(
                ProcessHandle.of(livePid).map(ProcessHandle::isAlive).orElse(false),
                "pods outlive the sandboxer");

        sandboxer = Sandboxer.start(config);
        controller = new ControllerClient(config.listen());
        ControllerStatusResponse liveStatus = status(live);
        assertEquals("SANDBOX_READY", liveStatus.getState());
        assertEquals(livePid, liveStatus.getPid());
        assertEquals("SANDBOX_NOTREADY", status(dead).getState());
        controller.call().wait(ControllerWaitRequest.newBuilder().setSandboxId(dead).build());
        try (TtrpcChannel channel =
                TtrpcChannel.connect(
                        new DomainSocketAddress(liveDir.resolve("task.sock").toString()))) {
            TaskGrpc.TaskBlockingStub tasks =
                    TaskGrpc.newBlockingStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS);
            StateResponse state = tasks.state(StateRequest.newBuilder().setId("sleeper").build());
            assertEquals(containerd.v1.types.Task.Status.RUNNING, state.getStatus());
            assertTrue(
                    state.getBundle().startsWith(dir.toString()),
                    "host bundle path survives the restart");
        }
        for (String sid : List.of(live, dead)) {
            controller.call().stop(ControllerStopRequest.newBuilder().setSandboxId(sid).build());
            controller.call().wait(ControllerWaitRequest.newBuilder().setSandboxId(sid).build());
            controller
                    .call()
                    .shutdown(ControllerShutdownRequest.newBuilder().setSandboxId(sid).build());
            assertNothingLeft(sid);
        }
        assertFalse(ProcessHandle.of(livePid).map(ProcessHandle::isAlive).orElse(false));
    }

    private void createPod(String sid, String netns) {
        PodSandboxConfig pod =
                PodSandboxConfig.newBuilder()
                        .setHostname("pod-host")
                        .setDnsConfig(
                                DNSConfig.newBuilder()
                                        .addServers("10.96.0.10")
                                        .addSearches("svc.cluster.local"))
                        .build();
        controller
                .call()
                .create(
                        ControllerCreateRequest.newBuilder()
                                .setSandboxId(sid)
                                .setNetnsPath(netns)
                                .setOptions(
                                        Any.newBuilder()
                                                .setTypeUrl("runtime.v1.PodSandboxConfig")
                                                .setValue(pod.toByteString()))
                                .setSandboxer("stockade")
                                .build());
    }

    private ControllerStatusResponse status(String sid) {
        return controller
                .call()
                .status(ControllerStatusRequest.newBuilder().setSandboxId(sid).build());
    }

    private static Any processSpec(String... args) {
        StringBuilder json =
                new StringBuilder(
                        "{\"user\":{\"uid\":0,\"gid\":0},\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],"
                                + "\"args\":[");
        for (int i = 0; i < args.length; i++) {
            json.append(i == 0 ? "" : ",").append('"').append(args[i]).append('"');
        }
        json.append("]}");
        return Any.newBuilder()
                .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                .setValue(com.google.protobuf.ByteString.copyFromUtf8(json.toString()))
                .build();
    }

    private String newNetns() throws Exception {
        String name = "sbx-test-" + UUID.randomUUID().toString().substring(0, 8);
        Process add = new ProcessBuilder("ip", "netns", "add", name).inheritIO().start();
        assertEquals(0, add.waitFor());
        netnsToDelete.add(name);
        return "/run/netns/" + name;
    }

    private void awaitTopics(String... topics) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!events.topics().containsAll(List.of(topics)) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(
                events.topics().containsAll(List.of(topics)),
                "events forwarded: " + events.topics());
    }

    private void assertNothingLeft(String sid) throws IOException {
        Path podDir = config.rootDir().resolve(sid);
        assertEquals(List.of(), Mounter.mountsUnder(podDir), "mounts under " + podDir);
        assertFalse(Files.exists(podDir), podDir + " removed (sockets, shared dir)");
        assertFalse(
                Files.exists(config.stateDir().resolve(sid)), "state dir of " + sid + " removed");
        assertEquals(List.of(), processesMentioning(podDir.toString()), "processes of " + sid);
        try (Stream<Path> controllers = Files.list(Path.of("/sys/fs/cgroup"))) {
            assertEquals(
                    List.of(),
                    controllers
                            .map(c -> c.resolve("stockade").resolve(sid))
                            .filter(Files::exists)
                            .toList(),
                    "cgroups of " + sid);
        }
    }

    /** Processes whose command line mentions {@code text} (the agent's carries its pod dir). */
    private static List<Long> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(
                        p -> {
                            try {
                                return Files.readString(
                                                Path.of("/proc", Long.toString(p.pid()), "cmdline"))
                                        .contains(text);
                            } catch (IOException | RuntimeException e) {
                                return false;
                            }
                        })
                .map(ProcessHandle::pid)
                .toList();
    }
}
