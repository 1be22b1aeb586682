package io.stockade.agent.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.stockade.agent.posix.ChildReaper;
import io.stockade.agent.posix.ChildStdio;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.ExitStatus;
import io.stockade.agent.posix.SpawnSpec;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OCI runtime CLI ({@code runc}, {@code crun}) with a private state root. Each call runs the
 * runtime to completion and turns a non-zero exit into an {@link OciRuntimeException} carrying the
 * runtime's error message. Container processes started by {@link #create} and {@link #exec} outlive
 * the call; they become children of this process (a subreaper), and their exits are collected by
 * the {@link ChildReaper}.
 */
public final class OciRuntime {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long CALL_TIMEOUT_SECONDS = 60;
    private static final int SIGKILL = 9;

    private final String binaryName;
    private final Path root;
    private final Path scratch;
    private final ChildReaper reaper;
    private final AtomicLong calls = new AtomicLong();

    /**
     * @param binary the runtime: a name looked up on PATH (and in /usr/sbin, /sbin) or a path
     * @param stateDir the agent's state directory; the runtime root and per-call scratch files go
     *     below it
     */
    public OciRuntime(String binary, Path stateDir, ChildReaper reaper) {
        this.binaryName = binary;
        this.root = stateDir.resolve("runtime-root");
        this.scratch = stateDir.resolve("runtime-calls");
        this.reaper = reaper;
        try {
            Files.createDirectories(root);
            Files.createDirectories(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot create OCI runtime directories under " + stateDir, e);
        }
    }

    /** The runtime's state root ({@code --root}). */
    public Path root() {
        return root;
    }

    /**
     * The stdio a container or exec process gets: the runtime passes these descriptors on to it,
     * or, with a console socket, creates a terminal and sends its master there (the descriptors are
     * then only the runtime's own).
     *
     * @param consoleSocket where the runtime sends the terminal master; null for no terminal
     */
    public record ProcessStdio(
            ChildStdio stdin, ChildStdio stdout, ChildStdio stderr, Path consoleSocket) {
        public ProcessStdio(ChildStdio stdin, ChildStdio stdout, ChildStdio stderr) {
            this(stdin, stdout, stderr, null);
        }
    }

    /**
     * {@code create}: sets the container up, leaving its init waiting for {@link #start}; returns
     * the init pid.
     */
    public int create(String id, Path bundle, Path pidFile, ProcessStdio stdio) {
        runWithStdio(
                "create " + id,
                log -> args().create(log, id, bundle, pidFile, stdio.consoleSocket()),
                stdio);
        return readPid(pidFile, "create " + id);
    }

    public void start(String id) {
        run("start " + id, log -> args().start(log, id), null);
    }

    /**
     * {@code exec --detach}: starts the process described by {@code processJson}; returns its pid.
     */
    public int exec(String id, Path processJson, Path pidFile, ProcessStdio stdio) {
        runWithStdio(
                "exec " + id,
                log -> args().exec(log, id, processJson, pidFile, stdio.consoleSocket()),
                stdio);
        return readPid(pidFile, "exec " + id);
    }

    public void kill(String id, int signal, boolean all) {
        run("kill " + id + " " + signal, log -> args().kill(log, id, signal, all), null);
    }

    /** {@code delete --force} (kills a container that is still created or running). */
    public void forceDelete(String id) {
        run("delete --force " + id, log -> args().delete(log, id, true), null);
    }

    /** The runtime's {@code state} JSON of a container. */
    public JsonNode state(String id) {
        return parseJson("state " + id, run("state " + id, log -> args().state(log, id), null));
    }

    /** The pids of every process in the container, as the runtime lists them. */
    public List<Integer> ps(String id) {
        JsonNode pids = parseJson("ps " + id, run("ps " + id, log -> args().ps(log, id), null));
        List<Integer> result = new ArrayList<>();
        if (pids.isArray()) {
            pids.forEach(pid -> result.add(pid.asInt()));
        }
        return result;
    }

    public void pause(String id) {
        run("pause " + id, log -> args().pause(log, id), null);
    }

    public void resume(String id) {
        run("resume " + id, log -> args().resume(log, id), null);
    }

    /** {@code update --resources -} with a LinuxResources JSON document. */
    public void update(String id, byte[] resourcesJson) {
        run("update " + id, log -> args().update(log, id), resourcesJson);
    }

    /** SIGKILL to every process of the container, used when tearing down. */
    public void killAll(String id) {
        kill(id, SIGKILL, true);
    }

    private interface Command {
        List<String> argv(Path log);
    }

    private RuntimeArgs args() {
        return new RuntimeArgs(resolveBinary(), root);
    }

    /**
     * Runs a command whose stdio belongs to a container process; errors come from the JSON log
     * only.
     */
    private void runWithStdio(String what, Command command, ProcessStdio stdio) {
        Path log = scratch.resolve("call-" + calls.incrementAndGet() + ".log");
        try {
            List<String> argv = command.argv(log);
            ExitStatus exit =
                    await(
                            what,
                            spawn(
                                    what,
                                    new SpawnSpec(
                                            argv,
                                            runtimeEnv(),
                                            stdio.stdin(),
                                            stdio.stdout(),
                                            stdio.stderr())));
            if (exit.code() != 0) {
                throw failure(what, exit, readIfExists(log), "");
            }
        } finally {
            deleteQuietly(log);
        }
    }

    /** Runs a command capturing stdout and stderr in scratch files; returns stdout. */
    private String run(String what, Command command, byte[] stdinData) {
        long n = calls.incrementAndGet();
        Path log = scratch.resolve("call-" + n + ".log");
        Path out = scratch.resolve("call-" + n + ".out");
        Path err = scratch.resolve("call-" + n + ".err");
        Path in = scratch.resolve("call-" + n + ".in");
        try {
            ChildStdio stdin = ChildStdio.devNull();
            if (stdinData != null) {
                Files.write(in, stdinData);
                stdin = new ChildStdio.File(in);
            }
            List<String> argv = command.argv(log);
            ExitStatus exit =
                    await(
                            what,
                            spawn(
                                    what,
                                    new SpawnSpec(
                                            argv,
                                            runtimeEnv(),
                                            stdin,
                                            new ChildStdio.File(out),
                                            new ChildStdio.File(err))));
            if (exit.code() != 0) {
                throw failure(what, exit, readIfExists(log), readIfExists(err));
            }
            return readIfExists(out);
        } catch (IOException e) {
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.FAILED,
                    "OCI runtime "
                            + binaryName
                            + " "
                            + what
                            + ": cannot use scratch files in "
                            + scratch
                            + ": "
                            + e,
                    e);
        } finally {
            deleteQuietly(log);
            deleteQuietly(out);
            deleteQuietly(err);
            deleteQuietly(in);
        }
    }

    private ChildReaper.Child spawn(String what, SpawnSpec spec) {
        try {
            return reaper.spawn(spec);
        } catch (ErrnoException e) {
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.RUNTIME_UNAVAILABLE,
                    "OCI runtime "
                            + spec.argv().getFirst()
                            + " "
                            + what
                            + " could not be started: "
                            + e.getMessage(),
                    e);
        }
    }

    private ExitStatus await(String what, ChildReaper.Child child) {
        try {
            return child.exit().get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.FAILED,
                    "OCI runtime "
                            + binaryName
                            + " "
                            + what
                            + " did not finish within "
                            + CALL_TIMEOUT_SECONDS
                            + " s (pid "
                            + child.pid()
                            + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.FAILED,
                    "interrupted waiting for OCI runtime " + binaryName + " " + what);
        } catch (ExecutionException e) {
            throw new IllegalStateException("exit futures never fail", e);
        }
    }

    private OciRuntimeException failure(String what, ExitStatus exit, String log, String stderr) {
        String message = RuntimeLog.errors(log);
        if (message.isEmpty()) {
            message = stderr.strip();
        }
        OciRuntimeException.Kind kind =
                message.contains("does not exist") || message.contains("not exist")
                        ? OciRuntimeException.Kind.CONTAINER_NOT_FOUND
                        : OciRuntimeException.Kind.FAILED;
        return new OciRuntimeException(
                kind,
                "OCI runtime "
                        + binaryName
                        + " "
                        + what
                        + " failed (exit "
                        + exit.code()
                        + "): "
                        + message);
    }

    private Path resolveBinary() {
        if (binaryName.contains("/")) {
            Path path = Path.of(binaryName).toAbsolutePath();
            if (Files.isExecutable(path)) {
                return path;
            }
            throw unavailable("'" + path + "' is not an executable file");
        }
        String pathVar = System.getenv().getOrDefault("PATH", "");
        List<String> dirs = new ArrayList<>(List.of(pathVar.split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, binaryName);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw unavailable(
                "'"
                        + binaryName
                        + "' was not found on PATH ("
                        + pathVar
                        + ") or in /usr/local/sbin, "
                        + "/usr/sbin, /sbin");
    }

    private static OciRuntimeException unavailable(String problem) {
        return new OciRuntimeException(
                OciRuntimeException.Kind.RUNTIME_UNAVAILABLE, "OCI runtime " + problem);
    }

    private static Map<String, String> runtimeEnv() {
        return System.getenv();
    }

    private int readPid(Path pidFile, String what) {
        try {
            return Integer.parseInt(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.FAILED,
                    "OCI runtime "
                            + binaryName
                            + " "
                            + what
                            + " succeeded but its pid file "
                            + pidFile
                            + " is unreadable: "
                            + e,
                    e);
        }
    }

    private JsonNode parseJson(String what, String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new OciRuntimeException(
                    OciRuntimeException.Kind.FAILED,
                    "OCI runtime "
                            + binaryName
                            + " "
                            + what
                            + " printed invalid JSON: "
                            + e.getMessage(),
                    e);
        }
    }

    private static String readIfExists(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a scratch file left behind is harmless; the next call uses a new name
        }
    }
}
