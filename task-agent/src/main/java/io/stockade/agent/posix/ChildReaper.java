package io.stockade.agent.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one place in the JVM that starts and reaps child processes. The agent is a child subreaper,
 * so container processes whose runtime parent ({@code runc create}, {@code runc exec -d}) exits are
 * re-parented to it, and one thread collects every child's exit status with {@code waitpid(-1)}.
 * Because that thread reaps <em>any</em> child, nothing else in this JVM may start processes
 * ({@link ProcessBuilder} would lose its exit codes): spawn here.
 *
 * <p>Exits are handed out as futures: {@link #spawn} registers the child before the reaper can
 * report it, and {@link #exitOf} covers processes that became children by re-parenting, including
 * ones that already exited.
 */
public final class ChildReaper {
    private static final Logger log = LoggerFactory.getLogger(ChildReaper.class);

    /**
     * Exits nobody asked for yet (orphans, or an init reaped before its pid file was read); oldest
     * dropped first.
     */
    private static final int MAX_UNCLAIMED = 4096;

    private static ChildReaper instance;

    private final Object lock = new Object();
    private final Map<Integer, CompletableFuture<ExitStatus>> waiting = new HashMap<>();
    private final LinkedHashMap<Integer, ExitStatus> unclaimed = new LinkedHashMap<>();
    private long spawnGeneration;

    private ChildReaper() {}

    /**
     * The process-wide reaper: on first use makes this process a child subreaper and starts the
     * reaper thread. A process can only have one reaper, hence the single instance.
     */
    public static synchronized ChildReaper instance() {
        if (instance == null) {
            ChildReaper reaper = new ChildReaper();
            becomeSubreaper();
            Thread thread = new Thread(reaper::reapForever, "child-reaper");
            thread.setDaemon(true);
            thread.start();
            instance = reaper;
        }
        return instance;
    }

    private static void becomeSubreaper() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            int rc =
                    (int)
                            Libc.PRCTL.invokeExact(
                                    errno, Libc.PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L);
            if (rc != 0) {
                throw new ErrnoException("prctl", "PR_SET_CHILD_SUBREAPER", Libc.errno(errno));
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /** A started child: its pid and its exit. */
    public record Child(int pid, CompletableFuture<ExitStatus> exit) {}

    /**
     * Starts {@code spec} with {@code posix_spawn}; signal mask emptied and all signals at their
     * default disposition.
     *
     * @throws ErrnoException naming the program when it cannot be started (e.g. ENOENT for a
     *     missing binary)
     */
    public Child spawn(SpawnSpec spec) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(Libc.FILE_ACTIONS_SIZE, 16);
            MemorySegment attr = arena.allocate(Libc.SPAWNATTR_SIZE, 16);
            check(
                    "posix_spawn_file_actions_init",
                    (int) Libc.FILE_ACTIONS_INIT.invokeExact(actions),
                    spec);
            check("posix_spawnattr_init", (int) Libc.SPAWNATTR_INIT.invokeExact(attr), spec);
            try {
                addStdio(arena, actions, 0, spec.stdin(), spec);
                addStdio(arena, actions, 1, spec.stdout(), spec);
                addStdio(arena, actions, 2, spec.stderr(), spec);
                check(
                        "posix_spawn_file_actions_addclosefrom_np",
                        (int) Libc.FILE_ACTIONS_ADDCLOSEFROM.invokeExact(actions, 3),
                        spec);
                MemorySegment empty = arena.allocate(Libc.SIGSET_SIZE, 8);
                MemorySegment all = arena.allocate(Libc.SIGSET_SIZE, 8);
                int ignored = (int) Libc.SIGEMPTYSET.invokeExact(empty);
                ignored = (int) Libc.SIGFILLSET.invokeExact(all);
                check(
                        "posix_spawnattr_setsigmask",
                        (int) Libc.SPAWNATTR_SETSIGMASK.invokeExact(attr, empty),
                        spec);
                check(
                        "posix_spawnattr_setsigdefault",
                        (int) Libc.SPAWNATTR_SETSIGDEFAULT.invokeExact(attr, all),
                        spec);
                check(
                        "posix_spawnattr_setflags",
                        (int)
                                Libc.SPAWNATTR_SETFLAGS.invokeExact(
                                        attr,
                                        (short)
                                                (Libc.POSIX_SPAWN_SETSIGDEF
                                                        | Libc.POSIX_SPAWN_SETSIGMASK)),
                        spec);
                MemorySegment argv = stringArray(arena, spec.argv());
                MemorySegment envp =
                        stringArray(
                                arena,
                                spec.env().entrySet().stream()
                                        .map(e -> e.getKey() + "=" + e.getValue())
                                        .toList());
                MemorySegment path = arena.allocateFrom(spec.argv().getFirst());
                MemorySegment pidOut = arena.allocate(JAVA_INT);
                synchronized (lock) {
                    int rc =
                            (int)
                                    Libc.POSIX_SPAWN.invokeExact(
                                            pidOut, path, actions, attr, argv, envp);
                    if (rc != 0) {
                        throw new ErrnoException("posix_spawn", spec.argv().getFirst(), rc);
                    }
                    int pid = pidOut.get(JAVA_INT, 0);
                    unclaimed.remove(pid);
                    CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
                    waiting.put(pid, exit);
                    spawnGeneration++;
                    lock.notifyAll();
                    return new Child(pid, exit);
                }
            } finally {
                int ignored = (int) Libc.FILE_ACTIONS_DESTROY.invokeExact(actions);
                ignored = (int) Libc.SPAWNATTR_DESTROY.invokeExact(attr);
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Libc.rethrow(t);
        }
    }

    /**
     * The exit of {@code pid}, a process that is (or was) this agent's child without having been
     * spawned here, e.g. a container init re-parented after {@code runc create} exited. Completes
     * at once if it was already reaped.
     */
    public CompletableFuture<ExitStatus> exitOf(int pid) {
        synchronized (lock) {
            CompletableFuture<ExitStatus> pending = waiting.get(pid);
            if (pending != null) {
                return pending;
            }
            ExitStatus reaped = unclaimed.remove(pid);
            // A live /proc entry means the pid was reused after that exit was reaped: the exit is
            // someone else's.
            if (reaped != null && !Files.exists(Path.of("/proc/" + pid))) {
                return CompletableFuture.completedFuture(reaped);
            }
            CompletableFuture<ExitStatus> exit = new CompletableFuture<>();
            waiting.put(pid, exit);
            return exit;
        }
    }

    private void reapForever() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Libc.errnoSlot(arena);
            MemorySegment status = arena.allocate(JAVA_INT);
            while (true) {
                long generation;
                synchronized (lock) {
                    generation = spawnGeneration;
                }
                int pid = (int) Libc.WAITPID.invokeExact(errno, -1, status, 0);
                if (pid > 0) {
                    deliver(pid, ExitStatus.fromWaitStatus(status.get(JAVA_INT, 0), Instant.now()));
                } else if (Libc.errno(errno) == Libc.ECHILD) {
                    awaitSpawnAfter(generation);
                } else if (Libc.errno(errno) != Libc.EINTR) {
                    log.error(
                            "waitpid(-1) failed with errno {} ({}); reaper stops",
                            Libc.errno(errno),
                            Libc.strerror(Libc.errno(errno)));
                    return;
                }
            }
        } catch (Throwable t) {
            log.error("child reaper died; exits will no longer be reported", t);
        }
    }

    private void awaitSpawnAfter(long generation) throws InterruptedException {
        synchronized (lock) {
            if (spawnGeneration == generation) {
                // Orphans only ever descend from our own spawns, so a spawn is what ends "no
                // children"; the timeout is a
                // safety net, not a poll the design relies on.
                lock.wait(1000);
            }
        }
    }

    private void deliver(int pid, ExitStatus exit) {
        CompletableFuture<ExitStatus> future;
        synchronized (lock) {
            future = waiting.remove(pid);
            if (future == null) {
                unclaimed.put(pid, exit);
                if (unclaimed.size() > MAX_UNCLAIMED) {
                    unclaimed.pollFirstEntry();
                }
            }
        }
        log.debug("reaped pid {}: exit {}", pid, exit.code());
        if (future != null) {
            future.complete(exit);
        }
    }

    private static void addStdio(
            Arena arena, MemorySegment actions, int target, ChildStdio stdio, SpawnSpec spec)
            throws Throwable {
        switch (stdio) {
            case ChildStdio.Descriptor(Fd fd) ->
                    check(
                            "posix_spawn_file_actions_adddup2",
                            (int)
                                    Libc.FILE_ACTIONS_ADDDUP2.invokeExact(
                                            actions, fd.value(), target),
                            spec);
            case ChildStdio.File(Path path) -> {
                int flags =
                        target == 0 ? Libc.O_RDONLY : Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC;
                check(
                        "posix_spawn_file_actions_addopen",
                        (int)
                                Libc.FILE_ACTIONS_ADDOPEN.invokeExact(
                                        actions,
                                        target,
                                        arena.allocateFrom(path.toString()),
                                        flags,
                                        0600),
                        spec);
            }
        }
    }

    private static MemorySegment stringArray(Arena arena, List<String> strings) {
        MemorySegment array = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array;
    }

    private static void check(String call, int rc, SpawnSpec spec) {
        if (rc != 0) {
            throw new ErrnoException(call, spec.argv().getFirst(), rc);
        }
    }
}
