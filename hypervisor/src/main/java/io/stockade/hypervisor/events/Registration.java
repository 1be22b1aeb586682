package io.stockade.hypervisor.events;

/**
 * A file descriptor watched by an {@link EventLoop}: change what it is watched for, or stop watching it. Cancel the
 * registration before closing the fd, so that a later fd with the same number is never mistaken for it.
 */
public final class Registration implements Cancellable {

    private final EventLoop loop;
    private final long token;
    private final int fd;
    private final ReadyHandler handler;
    private volatile boolean cancelled;

    Registration(EventLoop loop, long token, int fd, ReadyHandler handler) {
        this.loop = loop;
        this.token = token;
        this.fd = fd;
        this.handler = handler;
    }

    public int fd() {
        return fd;
    }

    /** Replaces the watched event bits (epoll_ctl MOD); ignored once cancelled. */
    public void modify(int events) {
        if (!cancelled) {
            loop.modify(this, events);
        }
    }

    /**
     * Stops watching the fd. Called on the loop thread, the handler is guaranteed not to run again; from another
     * thread it may still be running, or about to run once, for an event already taken from the kernel.
     */
    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            loop.unregister(this);
        }
    }

    boolean isCancelled() {
        return cancelled;
    }

    long token() {
        return token;
    }

    ReadyHandler handler() {
        return handler;
    }

    @Override
    public String toString() {
        return "fd " + fd + " on " + loop;
    }
}
