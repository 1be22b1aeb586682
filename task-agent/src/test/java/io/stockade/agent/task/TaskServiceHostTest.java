package io.stockade.agent.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;

import containerd.events.Task.TaskOOM;
import containerd.task.v3.Shim.CloseIORequest;
import containerd.task.v3.Shim.CreateTaskRequest;
import containerd.task.v3.Shim.DeleteRequest;
import containerd.task.v3.Shim.DeleteResponse;
import containerd.task.v3.Shim.ExecProcessRequest;
import containerd.task.v3.Shim.KillRequest;
import containerd.task.v3.Shim.PidsRequest;
import containerd.task.v3.Shim.ResizePtyRequest;
import containerd.task.v3.Shim.StartRequest;
import containerd.task.v3.Shim.StateRequest;
import containerd.task.v3.Shim.StatsRequest;
import containerd.task.v3.Shim.WaitRequest;
import containerd.task.v3.Shim.WaitResponse;
import containerd.task.v3.TaskGrpc;
import containerd.types.MountOuterClass.Mount;
import containerd.v1.types.Task.Status;

import io.grpc.Context;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.stockade.agent.events.EventLog;
import io.stockade.agent.main.Agent;
import io.stockade.agent.main.AgentOptions;
import io.stockade.proto.TypeUrls;
import io.stockade.proto.agent.v1.AgentGrpc;
import io.stockade.proto.agent.v1.EventsRequest;
import io.stockade.proto.agent.v1.GuestMetricsRequest;
import io.stockade.proto.agent.v1.SequencedEnvelope;
import io.stockade.proto.agent.v1.SetupGuestRequest;
import io.stockade.transport.Endpoint;
import io.stockade.ttrpc.TtrpcChannel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Task service end to end in process mode: a real agent with real runc, called over ttrpc on a
 * unix socket, stdio over the agent's stdio listener. Needs root and runc.
 */
@Tag("host")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TaskServiceHostTest {
    private static Path dir;
    private static BusyboxBundles bundles;
    private static Agent agent;
    private static TtrpcChannel channel;
    private static TaskGrpc.TaskBlockingStub tasks;
    private static Path ioSocket;

    @BeforeAll
    static void startAgent() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "agent-host-");
        bundles = new BusyboxBundles(dir);
        ioSocket = dir.resolve("io.sock");
        agent =
                Agent.start(
                        new AgentOptions(
                                Endpoint.parse("unix://" + dir.resolve("agent.sock")),
                                Endpoint.parse("unix://" + ioSocket),
                                "runc",
                                dir.resolve("state"),
                                AgentOptions.Mode.PROCESS,
                                "k8s.io"));
        channel = TtrpcChannel.connect(agent.address());
        tasks = TaskGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stopAgent() throws IOException {
        for (String id : ids) {
            try {
                tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).setAll(true).build());
                tasks.wait(WaitRequest.newBuilder().setId(id).build());
            } catch (StatusRuntimeException alreadyGone) {
                // stopped or never created
            }
            try {
                delete(id);
            } catch (StatusRuntimeException alreadyGone) {
                // deleted by the test
            }
        }
        if (channel != null) {
            channel.close();
        }
        if (agent != null) {
            agent.close();
        }
        if (bundles != null) {
            bundles.removeCgroupParent();
        }
        if (dir != null && mountsUnder(dir).isEmpty()) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    /** Every id handed out, so a failed test does not leave its containers running. */
    private static final Set<String> ids = ConcurrentHashMap.newKeySet();

    private static String newId(String prefix) {
        String id = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        ids.add(id);
        return id;
    }

    private static CreateTaskRequest.Builder createRequest(String id, String... args)
            throws IOException {
        return CreateTaskRequest.newBuilder()
                .setId(id)
                .setBundle(bundles.bundle(id, args).toString());
    }

    private static WaitResponse startAndWait(String id) {
        tasks.start(StartRequest.newBuilder().setId(id).build());
        return tasks.wait(WaitRequest.newBuilder().setId(id).build());
    }

    private static DeleteResponse delete(String id) {
        return tasks.delete(DeleteRequest.newBuilder().setId(id).build());
    }

    private static Code codeOf(Runnable call) {
        return assertThrows(StatusRuntimeException.class, call::run).getStatus().getCode();
    }

    @Test
    void exitCodesAreReportedByWaitStateAndDelete() throws IOException {
        for (int expected : new int[] {0, 3}) {
            String id = newId("exit" + expected);
            int pid =
                    tasks.create(createRequest(id, "sh", "-c", "exit " + expected).build())
                            .getPid();
            assertTrue(pid > 0);
            assertEquals(
                    Status.CREATED,
                    tasks.state(StateRequest.newBuilder().setId(id).build()).getStatus());
            assertEquals(expected, startAndWait(id).getExitStatus());
            var state = tasks.state(StateRequest.newBuilder().setId(id).build());
            assertEquals(Status.STOPPED, state.getStatus());
            assertEquals(expected, state.getExitStatus());
            DeleteResponse deleted = delete(id);
            assertEquals(expected, deleted.getExitStatus());
            assertEquals(pid, deleted.getPid());
        }
    }

    @Test
    void sigkillGives137AndEventsComeInOrder() throws IOException {
        String id = newId("kill");
        int pid = tasks.create(createRequest(id, "sleep", "1000").build()).getPid();
        tasks.start(StartRequest.newBuilder().setId(id).build());
        assertEquals(
                Status.RUNNING,
                tasks.state(StateRequest.newBuilder().setId(id).build()).getStatus());
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        assertEquals(137, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build())));
        assertEquals(137, delete(id).getExitStatus());

        List<String> topics = eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList();
        assertEquals(
                List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"), topics);
        assertTrue(pid > 0);
    }

    @Test
    void killAllReachesEveryWaiter() throws Exception {
        String id = newId("waiters");
        tasks.create(createRequest(id, "sh", "-c", "sleep 1000 & sleep 1000").build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> waiters = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                waiters.add(
                        pool.submit(
                                () ->
                                        tasks.wait(WaitRequest.newBuilder().setId(id).build())
                                                .getExitStatus()));
            }
            tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).setAll(true).build());
            for (Future<Integer> waiter : waiters) {
                assertEquals(137, waiter.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        delete(id);
    }

    @Test
    void anOomKilledTaskReportsTaskOomBeforeItsExit() throws IOException {
        String id = newId("oom");
        tasks.create(
                CreateTaskRequest.newBuilder()
                        .setId(id)
                        .setBundle(
                                bundles.bundleWithMemoryLimit(
                                                id,
                                                16 * 1024 * 1024,
                                                "sh",
                                                "-c",
                                                "x=a; while :; do x=$x$x; done")
                                        .toString())
                        .build());
        assertEquals(137, startAndWait(id).getExitStatus());
        delete(id);
        List<SequencedEnvelope> events = eventsOf(id);
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/oom",
                        "/tasks/exit",
                        "/tasks/delete"),
                events.stream().map(e -> e.getEnvelope().getTopic()).toList());
        TaskOOM oom = TypeUrls.unpack(events.get(2).getEnvelope().getEvent(), TaskOOM.class);
        assertEquals(id, oom.getContainerId());
    }

    @Test
    void anOomKillOfAChildIsReportedWhileTheTaskKeepsRunning() throws Exception {
        String id = newId("oom-child");
        CompletableFuture<SequencedEnvelope> oomEvent = new CompletableFuture<>();
        List<SequencedEnvelope> held = agent.events().snapshot();
        long newest = held.isEmpty() ? 0 : held.getLast().getSequence();
        try (EventLog.Subscription subscription =
                agent.events()
                        .subscribe(
                                newest,
                                event -> {
                                    if (event.getEnvelope().getTopic().equals("/tasks/oom")
                                            && event.getEnvelope()
                                                    .getEvent()
                                                    .getValue()
                                                    .toStringUtf8()
                                                    .contains(id)) {
                                        oomEvent.complete(event);
                                    }
                                })) {
            tasks.create(
                    CreateTaskRequest.newBuilder()
                            .setId(id)
                            .setBundle(
                                    bundles.bundleWithMemoryLimit(
                                                    id,
                                                    16 * 1024 * 1024,
                                                    "sh",
                                                    "-c",
                                                    "(x=a; while :; do x=$x$x; done); sleep 1000")
                                            .toString())
                            .build());
            tasks.start(StartRequest.newBuilder().setId(id).build());
            oomEvent.get(60, TimeUnit.SECONDS);
        }
        assertEquals(
                Status.RUNNING,
                tasks.state(StateRequest.newBuilder().setId(id).build()).getStatus(),
                "the kernel's notification, not the exit, produced the event");
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        assertEquals(137, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/oom",
                        "/tasks/exit",
                        "/tasks/delete"),
                eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList());
    }

    @Test
    void aTaskThatStaysWithinItsLimitReportsNoOom() throws IOException {
        String id = newId("no-oom");
        tasks.create(
                CreateTaskRequest.newBuilder()
                        .setId(id)
                        .setBundle(
                                bundles.bundleWithMemoryLimit(
                                                id,
                                                16 * 1024 * 1024,
                                                "sh",
                                                "-c",
                                                "x=a; x=$x$x; exit 3")
                                        .toString())
                        .build());
        assertEquals(3, startAndWait(id).getExitStatus());
        delete(id);
        assertEquals(
                List.of("/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"),
                eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList());
    }

    @Test
    void statsReportTheV1CgroupOfARunningTask() throws Exception {
        String id = newId("stats");
        tasks.create(
                CreateTaskRequest.newBuilder()
                        .setId(id)
                        .setBundle(
                                bundles.bundleWithMemoryLimit(id, 16 * 1024 * 1024, "sleep", "1000")
                                        .toString())
                        .build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        Any stats = tasks.stats(StatsRequest.newBuilder().setId(id).build()).getStats();
        assertEquals("io.containerd.cgroups.v1.Metrics", stats.getTypeUrl());
        io.containerd.cgroups.v1.MetricsOuterClass.Metrics metrics =
                TypeUrls.unpack(stats, io.containerd.cgroups.v1.MetricsOuterClass.Metrics.class);
        assertEquals(16 * 1024 * 1024, metrics.getMemory().getUsage().getLimit());
        assertTrue(metrics.getMemory().getUsage().getUsage() > 0, metrics.getMemory().toString());
        assertTrue(metrics.getPids().getCurrent() >= 1, metrics.getPids().toString());
        assertTrue(metrics.getCpu().getUsage().getTotal() > 0, metrics.getCpu().toString());
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        tasks.wait(WaitRequest.newBuilder().setId(id).build());
        delete(id);
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.stats(StatsRequest.newBuilder().setId(id).build())));
    }

    @Test
    void anOverlayRootfsIsMountedForTheTaskAndUnmountedByDelete() throws Exception {
        String id = newId("overlay");
        Path bundle =
                bundles.bundleWithOwnRootfs(
                        id, "sh", "-c", "echo written > /new-file; cat /new-file");
        Path upper = Files.createDirectories(dir.resolve("upper-" + id));
        Path work = Files.createDirectories(dir.resolve("work-" + id));
        tasks.create(
                CreateTaskRequest.newBuilder()
                        .setId(id)
                        .setBundle(bundle.toString())
                        .setStdout("out")
                        .addRootfs(
                                Mount.newBuilder()
                                        .setType("overlay")
                                        .setSource("overlay")
                                        .addOptions("lowerdir=" + bundles.rootfs())
                                        .addOptions("upperdir=" + upper)
                                        .addOptions("workdir=" + work))
                        .build());
        assertEquals(
                1, mountsUnder(bundle).size(), "the overlay is mounted on the bundle's rootfs");
        try (StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout")) {
            tasks.start(StartRequest.newBuilder().setId(id).build());
            assertEquals("written\n", out.readAllText());
        }
        assertEquals(0, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
        assertEquals(List.of(), mountsUnder(bundle), "delete unmounts the rootfs");
        assertEquals(
                "written\n",
                Files.readString(upper.resolve("new-file")),
                "writes land in the upper layer");
        assertTrue(
                Files.notExists(bundles.rootfs().resolve("new-file")),
                "the lower layer is untouched");
    }

    @Test
    void aFailedCreateLeavesNoRootfsMountBehind() throws Exception {
        String id = newId("overlay-fail");
        Path bundle = bundles.bundleWithOwnRootfs(id, "/no/such/binary");
        Path upper = Files.createDirectories(dir.resolve("upper-" + id));
        Path work = Files.createDirectories(dir.resolve("work-" + id));
        Mount overlay =
                Mount.newBuilder()
                        .setType("overlay")
                        .setSource("overlay")
                        .addOptions("lowerdir=" + bundles.rootfs())
                        .addOptions("upperdir=" + upper)
                        .addOptions("workdir=" + work)
                        .build();
        StatusRuntimeException runtimeFailure =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(id)
                                                .setBundle(bundle.toString())
                                                .addRootfs(overlay)
                                                .build()));
        assertTrue(
                runtimeFailure.getStatus().getDescription().contains("/no/such/binary"),
                runtimeFailure.getStatus().getDescription());
        assertEquals(
                List.of(),
                mountsUnder(bundle),
                "the overlay is unmounted after runc create failed");

        StatusRuntimeException mountFailure =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(id)
                                                .setBundle(bundle.toString())
                                                .addRootfs(
                                                        overlay.toBuilder()
                                                                .setOptions(
                                                                        0,
                                                                        "lowerdir="
                                                                                + dir.resolve(
                                                                                        "missing-layer")))
                                                .build()));
        assertEquals(Code.FAILED_PRECONDITION, mountFailure.getStatus().getCode());
        assertTrue(
                mountFailure.getStatus().getDescription().contains("cannot mount"),
                mountFailure.getStatus().getDescription());
        assertEquals(List.of(), mountsUnder(bundle));
        assertEquals(
                Code.INVALID_ARGUMENT,
                codeOf(
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(id)
                                                .setBundle(bundle.toString())
                                                .addRootfs(
                                                        Mount.newBuilder()
                                                                .setType("bind")
                                                                .setSource("relative"))
                                                .build())));
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.state(StateRequest.newBuilder().setId(id).build())));
    }

    @Test
    void aTerminalTaskRunsOnAPtyThatCanBeResized() throws Exception {
        String id = newId("tty");
        tasks.create(
                CreateTaskRequest.newBuilder()
                        .setId(id)
                        .setTerminal(true)
                        .setStdin("in")
                        .setStdout("out")
                        .setBundle(
                                bundles.bundleWithTerminal(
                                                id, "sh", "-c", "tty; read line; stty size")
                                        .toString())
                        .build());
        try (StdioConnection in = StdioConnection.open(ioSocket, id, "", "stdin");
                StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout")) {
            tasks.start(StartRequest.newBuilder().setId(id).build());
            assertTrue(readUntil(out, "\n").startsWith("/dev/pts/"), "tty names a pseudo-terminal");
            tasks.resizePty(
                    ResizePtyRequest.newBuilder().setId(id).setWidth(100).setHeight(40).build());
            in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            String rest = out.readAllText();
            assertTrue(rest.contains("40 100"), "stty size after the resize: " + rest);
        }
        assertEquals(0, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        assertEquals(
                Code.INVALID_ARGUMENT,
                codeOf(
                        () ->
                                tasks.resizePty(
                                        ResizePtyRequest.newBuilder()
                                                .setId(id)
                                                .setWidth(70000)
                                                .setHeight(25)
                                                .build())),
                "a size beyond 16 bits");
        delete(id);
        assertEquals(
                Code.NOT_FOUND,
                codeOf(
                        () ->
                                tasks.resizePty(
                                        ResizePtyRequest.newBuilder()
                                                .setId(id)
                                                .setWidth(80)
                                                .setHeight(25)
                                                .build())));
    }

    @Test
    void aTerminalExecGetsItsOwnPty() throws Exception {
        String id = newId("tty-exec");
        tasks.create(createRequest(id, "sleep", "1000").build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        assertEquals(
                Code.FAILED_PRECONDITION,
                codeOf(
                        () ->
                                tasks.resizePty(
                                        ResizePtyRequest.newBuilder()
                                                .setId(id)
                                                .setWidth(80)
                                                .setHeight(25)
                                                .build())),
                "a task without a terminal cannot be resized");
        String process =
                """
        {"args":["sh","-c","tty; stty size"],"env":["PATH=/bin"],"cwd":"/","terminal":true,
         "consoleSize":{"height":30,"width":90},"user":{"uid":0,"gid":0}}""";
        assertEquals(
                Code.INVALID_ARGUMENT,
                codeOf(
                        () ->
                                tasks.exec(
                                        ExecProcessRequest.newBuilder()
                                                .setId(id)
                                                .setExecId("mismatch")
                                                .setTerminal(false)
                                                .setStdout("out")
                                                .setSpec(
                                                        Any.newBuilder()
                                                                .setValue(
                                                                        com.google.protobuf
                                                                                .ByteString
                                                                                .copyFromUtf8(
                                                                                        process)))
                                                .build())));
        tasks.exec(
                ExecProcessRequest.newBuilder()
                        .setId(id)
                        .setExecId("t1")
                        .setTerminal(true)
                        .setStdout("out")
                        .setSpec(
                                Any.newBuilder()
                                        .setTypeUrl(
                                                "types.containerd.io/opencontainers/runtime-spec/1/Process")
                                        .setValue(
                                                com.google.protobuf.ByteString.copyFromUtf8(
                                                        process)))
                        .build());
        try (StdioConnection out = StdioConnection.open(ioSocket, id, "t1", "stdout")) {
            tasks.start(StartRequest.newBuilder().setId(id).setExecId("t1").build());
            String text = out.readAllText();
            assertTrue(text.startsWith("/dev/pts/"), text);
        }
        assertEquals(
                0,
                tasks.wait(WaitRequest.newBuilder().setId(id).setExecId("t1").build())
                        .getExitStatus());
        tasks.delete(DeleteRequest.newBuilder().setId(id).setExecId("t1").build());
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        tasks.wait(WaitRequest.newBuilder().setId(id).build());
        delete(id);
    }

    /** Reads until {@code end} has arrived; returns the text before it. */
    private static String readUntil(StdioConnection connection, String end) throws IOException {
        StringBuilder text = new StringBuilder();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(1);
        while (text.indexOf(end) < 0) {
            buffer.clear();
            if (connection.read(buffer) < 0) {
                throw new IOException("stream ended before '" + end + "'; got '" + text + "'");
            }
            text.append((char) buffer.get(0));
        }
        return text.substring(0, text.indexOf(end));
    }

    @Test
    void processModeReportsGuestMetricsButRefusesToConfigureTheHost() {
        AgentGrpc.AgentBlockingStub agentStub = AgentGrpc.newBlockingStub(channel);
        assertTrue(
                agentStub
                                .guestMetrics(GuestMetricsRequest.getDefaultInstance())
                                .getMemoryTotalBytes()
                        > 0);
        assertEquals(
                Code.FAILED_PRECONDITION,
                codeOf(
                        () ->
                                agentStub.setupGuest(
                                        SetupGuestRequest.newBuilder()
                                                .setHostname("not-this-host")
                                                .build())));
    }

    @Test
    void pauseAndResumeFreezeTheTask() throws IOException {
        String id = newId("pause");
        tasks.create(createRequest(id, "sleep", "1000").build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        tasks.pause(containerd.task.v3.Shim.PauseRequest.newBuilder().setId(id).build());
        assertEquals(
                Status.PAUSED,
                tasks.state(StateRequest.newBuilder().setId(id).build()).getStatus());
        assertEquals(
                Code.FAILED_PRECONDITION,
                codeOf(
                        () ->
                                tasks.pause(
                                        containerd.task.v3.Shim.PauseRequest.newBuilder()
                                                .setId(id)
                                                .build())));
        tasks.resume(containerd.task.v3.Shim.ResumeRequest.newBuilder().setId(id).build());
        assertEquals(
                Status.RUNNING,
                tasks.state(StateRequest.newBuilder().setId(id).build()).getStatus());
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        assertEquals(137, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
        List<String> topics = eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList();
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/paused",
                        "/tasks/resumed",
                        "/tasks/exit",
                        "/tasks/delete"),
                topics);
    }

    @Test
    void deletingACreatedTaskKillsItsWaitingInit() throws IOException {
        String id = newId("never-started");
        tasks.create(createRequest(id, "sleep", "1000").build());
        DeleteResponse deleted = delete(id);
        assertEquals(137, deleted.getExitStatus());
        List<String> topics = eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList();
        assertEquals(List.of("/tasks/create", "/tasks/exit", "/tasks/delete"), topics);
    }

    @Test
    void execEchoesThroughStdout() throws Exception {
        String id = newId("exec");
        tasks.create(createRequest(id, "sleep", "1000").build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        String process =
                """
        {"args":["echo","hello from exec"],"env":["PATH=/bin"],"cwd":"/","user":{"uid":0,"gid":0}}""";
        tasks.exec(
                ExecProcessRequest.newBuilder()
                        .setId(id)
                        .setExecId("e1")
                        .setStdout("out")
                        .setSpec(
                                Any.newBuilder()
                                        .setTypeUrl(
                                                "types.containerd.io/opencontainers/runtime-spec/1/Process")
                                        .setValue(
                                                com.google.protobuf.ByteString.copyFromUtf8(
                                                        process)))
                        .build());
        assertEquals(
                Code.ALREADY_EXISTS,
                codeOf(
                        () ->
                                tasks.exec(
                                        ExecProcessRequest.newBuilder()
                                                .setId(id)
                                                .setExecId("e1")
                                                .setSpec(
                                                        Any.newBuilder()
                                                                .setValue(
                                                                        com.google.protobuf
                                                                                .ByteString
                                                                                .copyFromUtf8(
                                                                                        process)))
                                                .build())));
        try (StdioConnection out = StdioConnection.open(ioSocket, id, "e1", "stdout")) {
            int execPid =
                    tasks.start(StartRequest.newBuilder().setId(id).setExecId("e1").build())
                            .getPid();
            assertTrue(execPid > 0);
            assertEquals("hello from exec\n", out.readAllText());
        }
        assertEquals(
                0,
                tasks.wait(WaitRequest.newBuilder().setId(id).setExecId("e1").build())
                        .getExitStatus());
        assertEquals(
                0,
                tasks.delete(DeleteRequest.newBuilder().setId(id).setExecId("e1").build())
                        .getExitStatus());
        assertEquals(
                Code.NOT_FOUND,
                codeOf(
                        () ->
                                tasks.state(
                                        StateRequest.newBuilder()
                                                .setId(id)
                                                .setExecId("e1")
                                                .build())));
        assertTrue(tasks.pids(PidsRequest.newBuilder().setId(id).build()).getProcessesCount() >= 1);
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        tasks.wait(WaitRequest.newBuilder().setId(id).build());
        delete(id);

        List<String> topics = eventsOf(id).stream().map(e -> e.getEnvelope().getTopic()).toList();
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/exec-added",
                        "/tasks/exec-started",
                        "/tasks/exit",
                        "/tasks/exit",
                        "/tasks/delete"),
                topics);
    }

    @Test
    void tenMebibytesOfStdoutArriveByteExact() throws Exception {
        int size = 10 * 1024 * 1024;
        String id = newId("bulk");
        tasks.create(
                createRequest(
                                id,
                                "sh",
                                "-c",
                                "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c " + size)
                        .setStdout("out")
                        .build());
        byte[] received;
        try (StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout")) {
            tasks.start(StartRequest.newBuilder().setId(id).build());
            received = out.readAll();
        }
        assertEquals(0, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
        byte[] line = "0123456789abcdefghijklmnopqrstuvwxyz\n".getBytes(StandardCharsets.US_ASCII);
        byte[] expected = new byte[size];
        for (int i = 0; i < size; i++) {
            expected[i] = line[i % line.length];
        }
        assertEquals(size, received.length);
        assertArrayEquals(sha256(expected), sha256(received));
    }

    @Test
    void stdinRoundTripsThroughCatByteExactWithEofBothWays() throws Exception {
        byte[] input = new byte[4 * 1024 * 1024 + 17];
        new Random(42).nextBytes(input);
        String id = newId("cat");
        tasks.create(createRequest(id, "cat").setStdin("in").setStdout("out").build());
        try (StdioConnection in = StdioConnection.open(ioSocket, id, "", "stdin");
                StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout")) {
            tasks.start(StartRequest.newBuilder().setId(id).build());
            FutureTask<byte[]> echoed = new FutureTask<>(out::readAll);
            Thread.ofPlatform().name("test-stdout-reader").daemon().start(echoed);
            in.write(input);
            in.shutdownOutput();
            assertArrayEquals(sha256(input), sha256(echoed.get(120, TimeUnit.SECONDS)));
        }
        assertEquals(0, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
    }

    @Test
    void closeIoEndsStdinWithoutAnAttachedHost() throws Exception {
        String id = newId("closeio");
        tasks.create(createRequest(id, "cat").setStdin("in").build());
        tasks.start(StartRequest.newBuilder().setId(id).build());
        tasks.closeIO(CloseIORequest.newBuilder().setId(id).setStdin(true).build());
        assertEquals(0, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);
    }

    @Test
    void outputWrittenBeforeAttachIsNotLost() throws Exception {
        String id = newId("early");
        tasks.create(
                createRequest(id, "sh", "-c", "echo early bird; echo to stderr >&2")
                        .setStdout("out")
                        .setStderr("err")
                        .build());
        assertEquals(0, startAndWait(id).getExitStatus());
        try (StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout");
                StdioConnection err = StdioConnection.open(ioSocket, id, "", "stderr")) {
            assertEquals("early bird\n", out.readAllText());
            assertEquals("to stderr\n", err.readAllText());
        }
        delete(id);
    }

    @Test
    void badRequestsGetTheRightStatusAndTheAgentKeepsServing() throws IOException {
        String missing = newId("missing");
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.state(StateRequest.newBuilder().setId(missing).build())));
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.start(StartRequest.newBuilder().setId(missing).build())));
        assertEquals(
                Code.NOT_FOUND,
                codeOf(() -> tasks.wait(WaitRequest.newBuilder().setId(missing).build())));
        assertEquals(Code.NOT_FOUND, codeOf(() -> delete(missing)));
        assertEquals(
                Code.NOT_FOUND,
                codeOf(
                        () ->
                                tasks.kill(
                                        KillRequest.newBuilder()
                                                .setId(missing)
                                                .setSignal(9)
                                                .build())));

        Path noConfig = Files.createDirectories(dir.resolve("no-config"));
        StatusRuntimeException noConfigError =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(newId("noconf"))
                                                .setBundle(noConfig.toString())
                                                .build()));
        assertEquals(Code.INVALID_ARGUMENT, noConfigError.getStatus().getCode());
        assertTrue(
                noConfigError
                        .getStatus()
                        .getDescription()
                        .contains(noConfig.resolve("config.json").toString()));

        String badJsonId = newId("badjson");
        Path badJson = bundles.bundle(badJsonId, "true");
        Files.writeString(badJson.resolve("config.json"), "{\"ociVersion\": ");
        StatusRuntimeException badJsonError =
                assertThrows(
                        StatusRuntimeException.class,
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(badJsonId)
                                                .setBundle(badJson.toString())
                                                .build()));
        assertEquals(Code.INVALID_ARGUMENT, badJsonError.getStatus().getCode());
        assertTrue(
                badJsonError.getStatus().getDescription().contains("not valid JSON"),
                badJsonError.getStatus().getDescription());

        String id = newId("dup");
        tasks.create(createRequest(id, "sleep", "1000").build());
        assertEquals(
                Code.ALREADY_EXISTS,
                codeOf(
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId(id)
                                                .setBundle(dir.resolve("bundle-" + id).toString())
                                                .build())));
        tasks.start(StartRequest.newBuilder().setId(id).build());
        assertEquals(
                Code.FAILED_PRECONDITION,
                codeOf(() -> tasks.start(StartRequest.newBuilder().setId(id).build())));
        assertEquals(Code.FAILED_PRECONDITION, codeOf(() -> delete(id)));
        assertEquals(
                Code.INVALID_ARGUMENT,
                codeOf(
                        () ->
                                tasks.create(
                                        CreateTaskRequest.newBuilder()
                                                .setId("../escape")
                                                .setBundle("/tmp")
                                                .build())));
        tasks.kill(KillRequest.newBuilder().setId(id).setSignal(9).build());
        assertEquals(137, tasks.wait(WaitRequest.newBuilder().setId(id).build()).getExitStatus());
        delete(id);

        String after = newId("still-serving");
        tasks.create(createRequest(after, "true").build());
        assertEquals(0, startAndWait(after).getExitStatus());
        delete(after);
    }

    @Test
    void aMissingRuntimeBinaryIsAClearErrorAndTheAgentKeepsServing() throws IOException {
        Path other = Files.createTempDirectory(Path.of("/tmp"), "agent-noruntime-");
        try (Agent broken =
                        Agent.start(
                                new AgentOptions(
                                        Endpoint.parse("unix://" + other.resolve("a.sock")),
                                        Endpoint.parse("unix://" + other.resolve("io.sock")),
                                        "/nonexistent/runc",
                                        other.resolve("state"),
                                        AgentOptions.Mode.PROCESS,
                                        "k8s.io"));
                TtrpcChannel brokenChannel = TtrpcChannel.connect(broken.address())) {
            TaskGrpc.TaskBlockingStub brokenTasks = TaskGrpc.newBlockingStub(brokenChannel);
            String id = newId("noruntime");
            for (int attempt = 0; attempt < 2; attempt++) {
                StatusRuntimeException error =
                        assertThrows(
                                StatusRuntimeException.class,
                                () -> brokenTasks.create(createRequest(id, "true").build()));
                assertEquals(Code.FAILED_PRECONDITION, error.getStatus().getCode());
                assertTrue(
                        error.getStatus().getDescription().contains("/nonexistent/runc"),
                        error.getStatus().getDescription());
            }
            assertEquals(
                    Code.NOT_FOUND,
                    codeOf(() -> brokenTasks.state(StateRequest.newBuilder().setId(id).build())));
        } finally {
            try (Stream<Path> paths = Files.walk(other)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void fiftyContainersLeaveNothingBehind() throws Exception {
        // Warm up once so lazily opened JVM/Netty descriptors are not counted as leaks.
        String warm = newId("warm");
        tasks.create(createRequest(warm, "true").setStdout("out").build());
        startAndWait(warm);
        delete(warm);
        long fdsBefore = openFds();
        for (int i = 0; i < 50; i++) {
            String id = newId("leak" + i);
            tasks.create(
                    createRequest(id, "sh", "-c", "echo " + i)
                            .setStdin("in")
                            .setStdout("out")
                            .setStderr("err")
                            .build());
            if (i % 2 == 0) {
                try (StdioConnection out = StdioConnection.open(ioSocket, id, "", "stdout")) {
                    tasks.start(StartRequest.newBuilder().setId(id).build());
                    assertEquals(i + "\n", out.readAllText());
                }
                tasks.wait(WaitRequest.newBuilder().setId(id).build());
            } else {
                tasks.closeIO(CloseIORequest.newBuilder().setId(id).setStdin(true).build());
            }
            delete(id);
        }
        assertEquals(List.of(), childProcesses(), "no container or runtime process survives");
        assertEquals(List.of(), mountsUnder(dir), "no mount is left under the test directory");
        assertEquals(List.of(), bundles.leftoverCgroups(), "no container cgroup is left");
        try (Stream<Path> runcState = Files.list(dir.resolve("state/runtime-root"))) {
            assertEquals(List.of(), runcState.toList(), "runc keeps no state");
        }
        try (Stream<Path> containerState = Files.list(dir.resolve("state/containers"))) {
            assertEquals(
                    List.of(), containerState.toList(), "the agent keeps no per-container state");
        }
        // Stdio threads close their pipe ends as they finish; give them a moment before counting.
        long fdsAfter = openFds();
        for (int i = 0; i < 50 && fdsAfter > fdsBefore; i++) {
            Thread.sleep(100);
            fdsAfter = openFds();
        }
        assertEquals(fdsBefore, fdsAfter, "open descriptors before and after 50 containers");
    }

    private static List<SequencedEnvelope> eventsOf(String containerId) {
        List<SequencedEnvelope> matching = new ArrayList<>();
        Context.CancellableContext context = Context.current().withCancellation();
        try {
            context.run(
                    () -> {
                        List<SequencedEnvelope> all = agent.events().snapshot();
                        long newest = all.getLast().getSequence();
                        Iterator<SequencedEnvelope> stream =
                                AgentGrpc.newBlockingStub(channel)
                                        .events(
                                                EventsRequest.newBuilder()
                                                        .setAfterSequence(0)
                                                        .build());
                        while (stream.hasNext()) {
                            SequencedEnvelope event = stream.next();
                            if (event.getEnvelope()
                                    .getEvent()
                                    .getValue()
                                    .toStringUtf8()
                                    .contains(containerId)) {
                                matching.add(event);
                            }
                            if (event.getSequence() >= newest) {
                                break;
                            }
                        }
                    });
        } finally {
            context.cancel(null);
        }
        for (int i = 1; i < matching.size(); i++) {
            assertTrue(matching.get(i).getSequence() > matching.get(i - 1).getSequence());
        }
        return matching;
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static List<String> childProcesses() throws IOException {
        String self = Long.toString(ProcessHandle.current().pid());
        List<String> children = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc :
                    procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String stat = Files.readString(proc.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (fields[1].equals(self)) {
                        children.add(
                                proc.getFileName()
                                        + " "
                                        + stat.substring(0, stat.lastIndexOf(')') + 1));
                    }
                } catch (IOException gone) {
                    // exited while we looked
                }
            }
        }
        return children;
    }

    private static List<String> mountsUnder(Path directory) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(line -> line.split(" ")[4].startsWith(directory.toString()))
                .toList();
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
