package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * An epoll instance, the readiness multiplexer of the VMM's device event loop. Thread-safe. To stop a loop blocked
 * in {@link #await(int)}, signal an fd it watches (e.g. an {@link EventFd}): closing the epoll does not wake it.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLET = 1 << 31;

    /** struct epoll_event is packed on x86-64: 12 bytes, the 64-bit data at offset 4, unaligned. */
    static final StructLayout EPOLL_EVENT = MemoryLayout.structLayout(
            JAVA_INT.withName("events"), JAVA_LONG_UNALIGNED.withName("data")).withName("epoll_event");

    static final int EPOLL_CLOEXEC = 0x80000;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;
    private static final long EVENTS = EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("events"));
    private static final long DATA = EPOLL_EVENT.byteOffset(MemoryLayout.PathElement.groupElement("data"));

    private static final MethodHandle EPOLL_CREATE1 =
            Native.withErrno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle EPOLL_CTL =
            Native.withErrno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle EPOLL_WAIT =
            Native.withErrno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final ThreadLocal<MemorySegment> CTL_EVENT = Native.threadLocalBuffer(EPOLL_EVENT.byteSize());

    /** One ready file descriptor: the event bits and the {@code data} it was registered with. */
    public record Event(int events, long data) {
        public boolean readable() {
            return (events & EPOLLIN) != 0;
        }

        public boolean writable() {
            return (events & EPOLLOUT) != 0;
        }

        /** Error or hang-up: the fd will not become readable in the normal way again. */
        public boolean failed() {
            return (events & (EPOLLERR | EPOLLHUP)) != 0;
        }
    }

    private final int fd;
    private final int maxEvents;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Epoll(int fd, int maxEvents) {
        this.fd = fd;
        this.maxEvents = maxEvents;
    }

    /** A close-on-exec epoll instance reporting up to {@code maxEvents} ready fds per {@link #await(int)}. */
    public static Epoll create(int maxEvents) {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("epoll needs room for at least one event, got " + maxEvents);
        }
        MemorySegment capture = Native.capture();
        int fd;
        try {
            fd = (int) EPOLL_CREATE1.invokeExact(capture, EPOLL_CLOEXEC);
        } catch (Throwable t) {
            throw Native.unexpected("epoll_create1", t);
        }
        if (fd < 0) {
            throw new LinuxException("epoll_create1", "", Native.errno(capture));
        }
        return new Epoll(fd, maxEvents);
    }

    public int fd() {
        return fd;
    }

    /** Watches {@code target} for {@code events}; {@code data} comes back in its {@link Event}s. */
    public void add(int target, int events, long data) {
        control(EPOLL_CTL_ADD, "EPOLL_CTL_ADD", target, events, data);
    }

    public void modify(int target, int events, long data) {
        control(EPOLL_CTL_MOD, "EPOLL_CTL_MOD", target, events, data);
    }

    public void remove(int target) {
        control(EPOLL_CTL_DEL, "EPOLL_CTL_DEL", target, 0, 0);
    }

    /**
     * Waits until at least one fd is ready or {@code timeoutMillis} passes (-1: forever, 0: just poll).
     *
     * @return the ready fds; empty on timeout or when a signal interrupted the wait
     */
    public List<Event> await(int timeoutMillis) {
        if (closed.get()) {
            throw new IllegalStateException(describe() + " is closed");
        }
        MemorySegment capture = Native.capture();
        // A buffer per call, not per instance: a close() from another thread can then never free it under the kernel.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment readyEvents = arena.allocate(EPOLL_EVENT, maxEvents);
            int n;
            try {
                n = (int) EPOLL_WAIT.invokeExact(capture, fd, readyEvents, maxEvents, timeoutMillis);
            } catch (Throwable t) {
                throw Native.unexpected("epoll_wait", t);
            }
            if (n < 0) {
                int errno = Native.errno(capture);
                if (errno == Errno.EINTR.number()) {
                    return List.of();
                }
                throw new LinuxException("epoll_wait", describe(), errno);
            }
            List<Event> ready = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                MemorySegment e = readyEvents.asSlice(i * EPOLL_EVENT.byteSize(), EPOLL_EVENT.byteSize());
                ready.add(new Event(e.get(JAVA_INT, EVENTS), e.get(JAVA_LONG_UNALIGNED, DATA)));
            }
            return ready;
        }
    }

    /** Closes the epoll fd; idempotent. A thread already inside {@link #await(int)} returns at its next event or timeout. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FileDescriptors.close(fd, describe());
        }
    }

    private void control(int op, String opName, int target, int events, long data) {
        MemorySegment event = CTL_EVENT.get();
        event.set(JAVA_INT, EVENTS, events);
        event.set(JAVA_LONG_UNALIGNED, DATA, data);
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) EPOLL_CTL.invokeExact(capture, fd, op, target, event);
        } catch (Throwable t) {
            throw Native.unexpected("epoll_ctl", t);
        }
        if (result < 0) {
            throw new LinuxException("epoll_ctl(" + opName + ", fd " + target + ")", describe(), Native.errno(capture));
        }
    }

    private String describe() {
        return "epoll fd " + fd;
    }
}
