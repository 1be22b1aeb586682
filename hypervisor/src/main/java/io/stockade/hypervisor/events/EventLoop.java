package io.stockade.hypervisor.events;

import io.stockade.hypervisor.sys.Epoll;
import io.stockade.hypervisor.sys.Errno;
import io.stockade.hypervisor.sys.EventFd;
import io.stockade.hypervisor.sys.LinuxException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VMM's device event loop: one platform thread waiting in epoll for the file descriptors of device backends
 * (sockets, eventfds, TAP), running their {@link ReadyHandler}s, tasks handed over from other threads and timers.
 * State touched only from the loop thread needs no locks, which is how device backends use it.
 *
 * <p>Handlers, tasks and timers must not block. One that throws is logged and the loop goes on: a misbehaving
 * backend must not take the other devices down with it. Other threads wake the loop through an eventfd.
 */
public final class EventLoop implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventLoop.class);

    private static final long WAKE_TOKEN = 0;
    private static final int MAX_EVENTS = 64;
    /** How often a caller blocked in {@link #call} checks whether the loop died under it. */
    private static final long STOP_CHECK_MILLIS = 100;

    private final String name;
    private final Epoll epoll;
    private final EventFd wake;
    private final Thread thread;
    private final Map<Long, Registration> registrations = new ConcurrentHashMap<>();
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicLong nextToken = new AtomicLong(WAKE_TOKEN + 1);
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean stopped;
    private boolean fdsClosed; // guarded by wake

    // Loop thread only.
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long timerSequence;

    private EventLoop(String name) {
        this.name = name;
        this.epoll = Epoll.create(MAX_EVENTS);
        try {
            this.wake = EventFd.create();
            epoll.add(wake.fd(), Epoll.EPOLLIN, WAKE_TOKEN);
        } catch (RuntimeException e) {
            epoll.close();
            throw e;
        }
        this.thread = Thread.ofPlatform().name(name).daemon().unstarted(this::run);
    }

    /** Creates the loop and starts its thread, named {@code name}. */
    public static EventLoop start(String name) {
        EventLoop loop = new EventLoop(name);
        loop.thread.start();
        return loop;
    }

    /** Whether the caller is the loop thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /**
     * Watches {@code fd} for {@code events} (epoll bits, {@link Epoll#EPOLLET} allowed); {@code handler} runs on
     * the loop thread when it is ready. Callable from any thread.
     *
     * @throws LinuxException if epoll refuses the fd (e.g. a regular file, or already registered)
     */
    public Registration register(int fd, int events, ReadyHandler handler) {
        Objects.requireNonNull(handler, "handler");
        Registration r = new Registration(this, nextToken.getAndIncrement(), fd, handler);
        registrations.put(r.token(), r);
        try {
            synchronized (wake) {
                if (fdsClosed) {
                    throw new IllegalStateException(name + " is closed; cannot watch fd " + fd);
                }
                epoll.add(fd, events, r.token());
            }
        } catch (RuntimeException e) {
            registrations.remove(r.token());
            throw e;
        }
        return r;
    }

    /** Runs {@code task} on the loop thread, after what is already queued. Callable from any thread. */
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (stopped) {
            throw new RejectedExecutionException(name + " has stopped");
        }
        tasks.add(task);
        if (!inLoop() && wakePending.compareAndSet(false, true)) {
            wakeUp();
        }
    }

    /** Runs {@code task} on the loop thread once {@code delay} has passed. Callable from any thread. */
    public Cancellable schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long deadline = System.nanoTime() + Math.max(0, delay.toNanos());
        Timer timer = new Timer(deadline, task);
        if (inLoop()) {
            addTimer(timer);
        } else {
            execute(() -> addTimer(timer));
        }
        return timer::cancel;
    }

    /**
     * Runs {@code task} on the loop thread and returns its result, waiting for it; on the loop thread it runs
     * inline. Once the loop has stopped, no loop thread can race the caller any more, so the task runs on the
     * caller's thread.
     *
     * @throws IllegalStateException wrapping what the task threw
     */
    public <T> T call(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        AtomicBoolean claimed = new AtomicBoolean();
        Runnable once = () -> {
            if (claimed.compareAndSet(false, true)) {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            }
        };
        if (inLoop() || !thread.isAlive()) {
            once.run();
        } else {
            try {
                execute(once);
            } catch (RejectedExecutionException e) {
                once.run();
            }
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return result.get(STOP_CHECK_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (!thread.isAlive()) {
                        once.run(); // the loop stopped before taking the task
                    }
                } catch (InterruptedException e) {
                    interrupted = true; // the task is already queued; leaving early would race it
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@link #call} for a task without a result. */
    public void run(Runnable task) {
        call(() -> {
            task.run();
            return null;
        });
    }

    /**
     * Stops the loop thread after the handler or task it is running, waits for it (unless called from it) and
     * closes the epoll and wake fds. Registered fds belong to their owners and stay open. Idempotent.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        stopped = true;
        if (inLoop()) {
            return; // run() closes the fds on its way out
        }
        wakeUp();
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        closeFds();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void modify(Registration r, int events) {
        synchronized (wake) {
            if (!fdsClosed) {
                epoll.modify(r.fd(), events, r.token());
            }
        }
    }

    void unregister(Registration r) {
        registrations.remove(r.token());
        try {
            synchronized (wake) {
                if (!fdsClosed) {
                    epoll.remove(r.fd());
                }
            }
        } catch (LinuxException e) {
            // The owner closed the fd first (EBADF), or the kernel dropped it with its last reference (ENOENT).
            if (!e.is(Errno.EBADF) && !e.is(Errno.ENOENT)) {
                throw e;
            }
        }
    }

    private void run() {
        try {
            while (!stopped) {
                for (Epoll.Event event : epoll.await(waitMillis())) {
                    if (event.data() == WAKE_TOKEN) {
                        // Drain, then clear: a wake-up written in between stays pending, and a task whose
                        // thread saw wakePending still set is picked up by the runTasks() below.
                        wake.read();
                        wakePending.set(false);
                    } else {
                        dispatch(event);
                    }
                }
                runTasks();
                runDueTimers();
            }
        } catch (RuntimeException | Error e) {
            log.error("{}: event loop failed; device backends on it stop being served", name, e);
            stopped = true;
        } finally {
            if (closing.get()) {
                closeFds();
            }
        }
    }

    private void dispatch(Epoll.Event event) {
        Registration r = registrations.get(event.data());
        if (r == null || r.isCancelled()) {
            return; // cancelled by an earlier handler in this same batch
        }
        try {
            r.handler().ready(event.events());
        } catch (RuntimeException e) {
            log.warn("{}: handler for {} threw", name, r, e);
        }
    }

    private void runTasks() {
        // Only what was queued before this pass: a task that re-queues itself must not starve the fds.
        for (int n = tasks.size(); n > 0 && !stopped; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("{}: task threw", name, e);
            }
        }
    }

    private void runDueTimers() {
        long now = System.nanoTime();
        while (!timers.isEmpty() && timers.peek().deadline - now <= 0 && !stopped) {
            Timer t = timers.poll();
            if (t.cancelled) {
                continue;
            }
            try {
                t.task.run();
            } catch (RuntimeException e) {
                log.warn("{}: timer task threw", name, e);
            }
        }
    }

    private int waitMillis() {
        if (!tasks.isEmpty()) {
            return 0;
        }
        while (!timers.isEmpty() && timers.peek().cancelled) {
            timers.poll();
        }
        if (timers.isEmpty()) {
            return -1;
        }
        long nanos = timers.peek().deadline - System.nanoTime();
        // Round up, so the timer is due when epoll returns and no zero-timeout spin happens meanwhile.
        return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    private void addTimer(Timer timer) {
        timer.sequence = timerSequence++;
        timers.add(timer);
    }

    /** Wakes the loop; the lock keeps the write off a closed (and possibly reused) fd number. */
    private void wakeUp() {
        synchronized (wake) {
            if (!fdsClosed) {
                wake.write(1);
            }
        }
    }

    private void closeFds() {
        synchronized (wake) {
            fdsClosed = true;
            wake.close();
            epoll.close();
        }
    }

    @Override
    public String toString() {
        return "event loop " + name;
    }

    /** A task due at a {@link System#nanoTime()} deadline; equal deadlines run in scheduling order. */
    private static final class Timer implements Comparable<Timer> {
        final long deadline;
        final Runnable task;
        long sequence;
        volatile boolean cancelled;

        Timer(long deadline, Runnable task) {
            this.deadline = deadline;
            this.task = task;
        }

        void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer other) {
            int byDeadline = Long.compare(deadline - other.deadline, 0);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
        }
    }
}
