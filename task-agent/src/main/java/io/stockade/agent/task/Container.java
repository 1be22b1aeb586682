package io.stockade.agent.task;

import io.grpc.Status;
import io.stockade.agent.cgroup.ContainerCgroup;
import io.stockade.agent.rootfs.RootfsMounts;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task: the OCI container, its init process and its exec processes. Lifecycle operations on one
 * container are serialized by {@link #lock()}.
 *
 * @see TaskSupervisor
 */
final class Container {
    private final String id;
    private final Path bundle;
    private final Path stateDir;
    private final TaskProcess init;
    private final Map<String, TaskProcess> execs = new LinkedHashMap<>();
    private final Object lock = new Object();
    private final Optional<ContainerCgroup> cgroup;
    private final Optional<OomReporter> oom;
    private final RootfsMounts rootfsMounts;

    Container(
            String id,
            Path bundle,
            Path stateDir,
            TaskProcess init,
            Optional<ContainerCgroup> cgroup,
            Optional<OomReporter> oom,
            RootfsMounts rootfsMounts) {
        this.rootfsMounts = rootfsMounts;
        this.id = id;
        this.bundle = bundle;
        this.stateDir = stateDir;
        this.init = init;
        this.cgroup = cgroup;
        this.oom = oom;
    }

    /**
     * What the agent mounted for the container's rootfs (from Create's rootfs field); unmounted by
     * Delete.
     */
    RootfsMounts rootfsMounts() {
        return rootfsMounts;
    }

    /** The cgroup the runtime put the container in; empty when it could not be found at create. */
    Optional<ContainerCgroup> cgroup() {
        return cgroup;
    }

    /** Reports OOM kills of the container's cgroup; empty when its cgroup could not be watched. */
    Optional<OomReporter> oom() {
        return oom;
    }

    String id() {
        return id;
    }

    Path bundle() {
        return bundle;
    }

    /** The agent's private directory for this container (pid files, exec specs). */
    Path stateDir() {
        return stateDir;
    }

    TaskProcess init() {
        return init;
    }

    Object lock() {
        return lock;
    }

    /** The init process for an empty exec id, else that exec; NOT_FOUND naming both ids. */
    synchronized TaskProcess process(String execId) {
        if (execId.isEmpty()) {
            return init;
        }
        TaskProcess exec = execs.get(execId);
        if (exec == null) {
            throw Status.NOT_FOUND
                    .withDescription("task " + id + " has no exec " + execId)
                    .asRuntimeException();
        }
        return exec;
    }

    synchronized Optional<TaskProcess> findProcess(String execId) {
        return execId.isEmpty() ? Optional.of(init) : Optional.ofNullable(execs.get(execId));
    }

    /** Registers an exec; ALREADY_EXISTS if the id is taken. */
    synchronized void addExec(TaskProcess exec) {
        if (execs.putIfAbsent(exec.execId(), exec) != null) {
            throw Status.ALREADY_EXISTS
                    .withDescription("task " + id + " already has an exec " + exec.execId())
                    .asRuntimeException();
        }
    }

    synchronized void removeExec(String execId) {
        execs.remove(execId);
    }

    synchronized List<TaskProcess> execs() {
        return List.copyOf(execs.values());
    }
}
