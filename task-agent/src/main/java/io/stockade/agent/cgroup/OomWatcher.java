package io.stockade.agent.cgroup;

import io.stockade.agent.posix.Epoll;
import io.stockade.agent.posix.ErrnoException;
import io.stockade.agent.posix.EventFd;
import io.stockade.agent.posix.Fd;
import io.stockade.agent.posix.Inotify;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Wakes a callback whenever a container's cgroup may have seen an OOM kill, on one thread for all
 * containers. cgroup v1: an eventfd registered for {@code memory.oom_control} through {@code
 * cgroup.event_control} (the kernel also signals it once when the cgroup is removed). v1 signals
 * when the cgroup runs out of memory, before the OOM killer has picked its victim, so a v1 wake is
 * followed by a few later "look again" calls. cgroup v2: an inotify watch on {@code memory.events},
 * which the kernel marks modified on every change. Callbacks only learn "look now": they read the
 * OOM-kill counter to tell.
 */
public final class OomWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OomWatcher.class);
    private static final long INOTIFY_TOKEN = 0;
    private static final long WAKEUP_TOKEN = 1;

    /** When to look again after a v1 notification, which precedes the kill it announces. */
    private static final long[] V1_RECHECK_MILLIS = {10, 100, 1000};

    private final Epoll epoll;
    private final Inotify inotify;
    private final EventFd wakeup;
    private final ScheduledExecutorService rechecks =
            Executors.newSingleThreadScheduledExecutor(
                    r -> {
                        Thread thread = new Thread(r, "oom-recheck");
                        thread.setDaemon(true);
                        return thread;
                    });
    private final Object lock = new Object();
    private final Map<Long, V1Watch> v1ByToken = new HashMap<>();
    private final Map<Integer, V2Watch> v2ByDescriptor = new HashMap<>();
    private long nextToken = 2;
    private boolean closed;

    /**
     * A registration; {@link #close()} stops the callbacks (call it before the cgroup is removed).
     */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    private OomWatcher(Epoll epoll, Inotify inotify, EventFd wakeup) {
        this.epoll = epoll;
        this.inotify = inotify;
        this.wakeup = wakeup;
    }

    /** Starts the watcher thread. */
    public static OomWatcher start() {
        Epoll epoll = Epoll.create("oom watcher epoll");
        Inotify inotify = null;
        EventFd wakeup = null;
        try {
            inotify = Inotify.open("oom watcher inotify");
            wakeup = EventFd.open("oom watcher wakeup");
            epoll.add(inotify.fd(), INOTIFY_TOKEN);
            epoll.add(wakeup.fd(), WAKEUP_TOKEN);
        } catch (RuntimeException e) {
            epoll.close();
            if (inotify != null) {
                inotify.close();
            }
            if (wakeup != null) {
                wakeup.close();
            }
            throw e;
        }
        OomWatcher watcher = new OomWatcher(epoll, inotify, wakeup);
        Thread thread = new Thread(watcher::run, "oom-watcher");
        thread.setDaemon(true);
        thread.start();
        return watcher;
    }

    /**
     * Calls {@code onChange} (on the watcher thread; it must not block for long) whenever {@code
     * cgroup} may have had an OOM kill.
     *
     * @throws CgroupException naming the cgroup when the kernel refuses the registration
     */
    public Watch watch(ContainerCgroup cgroup, Runnable onChange) {
        return switch (cgroup) {
            case ContainerCgroup.V1 v1 -> watchV1(v1.memory(), onChange);
            case ContainerCgroup.V2 v2 -> watchFile(v2.dir().resolve("memory.events"), onChange);
        };
    }

    /**
     * Watches a file that the kernel (or a test) marks modified, as cgroup v2 {@code
     * memory.events}.
     */
    Watch watchFile(Path eventsFile, Runnable onChange) {
        synchronized (lock) {
            requireOpen();
            int wd;
            try {
                wd = inotify.watchModify(eventsFile);
            } catch (ErrnoException e) {
                throw new CgroupException(
                        "cannot watch " + eventsFile + " for OOM events: " + e.getMessage(), e);
            }
            V2Watch watch = new V2Watch(wd, onChange);
            v2ByDescriptor.put(wd, watch);
            return watch;
        }
    }

    private Watch watchV1(Path memoryDir, Runnable onChange) {
        EventFd eventFd = EventFd.open("oom events of " + memoryDir);
        try {
            Path oomControl = memoryDir.resolve("memory.oom_control");
            try (Fd control = Fd.openReadOnly(oomControl)) {
                Files.writeString(
                        memoryDir.resolve("cgroup.event_control"),
                        eventFd.fd().value() + " " + control.value());
            }
            synchronized (lock) {
                requireOpen();
                long token = nextToken++;
                V1Watch watch = new V1Watch(token, eventFd, onChange);
                v1ByToken.put(token, watch);
                epoll.add(eventFd.fd(), token);
                return watch;
            }
        } catch (IOException | ErrnoException e) {
            eventFd.close();
            throw new CgroupException(
                    "cannot register for OOM events of " + memoryDir + ": " + e.getMessage(), e);
        }
    }

    private boolean isOpen() {
        synchronized (lock) {
            return !closed;
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new CgroupException("the OOM watcher is closed");
        }
    }

    private final class V1Watch implements Watch {
        private final long token;
        private final EventFd eventFd;
        private final Runnable onChange;

        V1Watch(long token, EventFd eventFd, Runnable onChange) {
            this.token = token;
            this.eventFd = eventFd;
            this.onChange = onChange;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (v1ByToken.remove(token) != null) {
                    epoll.remove(eventFd.fd());
                    eventFd.close();
                }
            }
        }
    }

    private final class V2Watch implements Watch {
        private final int wd;
        private final Runnable onChange;

        V2Watch(int wd, Runnable onChange) {
            this.wd = wd;
            this.onChange = onChange;
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (v2ByDescriptor.remove(wd, this)) {
                    inotify.unwatch(wd);
                }
            }
        }
    }

    private void run() {
        long[] ready = new long[64];
        try {
            while (isOpen()) {
                int n = epoll.await(ready, -1);
                for (int i = 0; i < n; i++) {
                    dispatch(ready[i]);
                }
            }
        } catch (RuntimeException e) {
            log.error("OOM watcher stopped: OOM events will no longer be reported", e);
        } finally {
            rechecks.shutdownNow();
            synchronized (lock) {
                closed = true;
                v1ByToken.values().forEach(watch -> watch.eventFd.close());
                v1ByToken.clear();
                v2ByDescriptor.clear();
                epoll.close();
                inotify.close();
                wakeup.close();
            }
        }
    }

    private void dispatch(long token) {
        if (token == WAKEUP_TOKEN) {
            wakeup.drain();
            return;
        }
        if (token == INOTIFY_TOKEN) {
            for (int wd : drainInotify()) {
                V2Watch watch;
                synchronized (lock) {
                    watch = v2ByDescriptor.get(wd);
                }
                if (watch != null) {
                    notify(watch.onChange);
                }
            }
            return;
        }
        V1Watch watch;
        synchronized (lock) {
            watch = v1ByToken.get(token);
            if (watch == null || watch.eventFd.drain() == 0) {
                return;
            }
        }
        notify(watch.onChange);
        for (long delay : V1_RECHECK_MILLIS) {
            rechecks.schedule(
                    () -> {
                        synchronized (lock) {
                            if (v1ByToken.get(token) != watch) {
                                return;
                            }
                        }
                        notify(watch.onChange);
                    },
                    delay,
                    TimeUnit.MILLISECONDS);
        }
    }

    private Iterable<Integer> drainInotify() {
        synchronized (lock) {
            return inotify.drain();
        }
    }

    private static void notify(Runnable onChange) {
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.warn("OOM callback failed: {}", e.toString());
        }
    }

    /** Stops the watcher thread; registrations made before are dropped with it. */
    @Override
    public void close() {
        synchronized (lock) {
            if (!closed) {
                closed = true;
                wakeup.signal();
            }
        }
    }
}
