package io.stockade.agent.task;

import containerd.events.Task.TaskOOM;

import io.stockade.agent.cgroup.CgroupException;
import io.stockade.agent.cgroup.ContainerCgroup;
import io.stockade.agent.cgroup.OomWatcher;
import io.stockade.agent.events.EventLog;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@code /tasks/oom} for one container each time its cgroup's OOM-kill counter grows.
 * Checked by the {@link OomWatcher} when the kernel signals, and again right before a process exit
 * is published, so a container's TaskOOM always precedes the TaskExit of the process the OOM killer
 * ended.
 */
final class OomReporter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OomReporter.class);

    private final String containerId;
    private final ContainerCgroup cgroup;
    private final EventLog events;
    private long reported;
    private OomWatcher.Watch watch;

    private OomReporter(
            String containerId, ContainerCgroup cgroup, EventLog events, long alreadyKilled) {
        this.containerId = containerId;
        this.cgroup = cgroup;
        this.events = events;
        this.reported = alreadyKilled;
    }

    /**
     * Watches {@code cgroup} of container {@code containerId}.
     *
     * @throws CgroupException when the cgroup cannot be read or watched
     */
    static OomReporter start(
            String containerId, ContainerCgroup cgroup, OomWatcher watcher, EventLog events) {
        OomReporter reporter = new OomReporter(containerId, cgroup, events, cgroup.oomKills());
        synchronized (reporter) {
            reporter.watch = watcher.watch(cgroup, reporter::check);
        }
        log.debug("task {}: watching {} for OOM kills", containerId, cgroup.describe());
        return reporter;
    }

    /** Publishes TaskOOM if the kernel killed a process of the container since the last check. */
    synchronized void check() {
        if (watch == null) {
            return;
        }
        long kills;
        try {
            kills = cgroup.oomKills();
        } catch (CgroupException e) {
            log.debug(
                    "task {}: OOM counter unreadable ({}); the cgroup is probably being removed",
                    containerId,
                    e.getMessage());
            return;
        }
        if (kills > reported) {
            reported = kills;
            log.info(
                    "task {}: OOM kill in {} (kills so far: {})",
                    containerId,
                    cgroup.describe(),
                    kills);
            events.publish("/tasks/oom", TaskOOM.newBuilder().setContainerId(containerId).build());
        }
    }

    /** Stops watching; no TaskOOM is published after this returns. */
    @Override
    public synchronized void close() {
        if (watch != null) {
            watch.close();
            watch = null;
        }
    }
}
