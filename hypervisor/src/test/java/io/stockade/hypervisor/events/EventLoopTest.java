package io.stockade.hypervisor.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.hypervisor.sys.Epoll;
import io.stockade.hypervisor.sys.EventFd;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EventLoopTest {

    private final EventLoop loop = EventLoop.start("event-loop-test");

    @AfterEach
    void close() {
        loop.close();
    }

    private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(30, TimeUnit.SECONDS); // a hang guard, not a timing assertion
        if (item == null) {
            throw new AssertionError("nothing arrived");
        }
        return item;
    }

    @Test
    void tasksRunInOrderOnTheLoopThread() throws InterruptedException {
        BlockingQueue<String> ran = new LinkedBlockingQueue<>();
        loop.execute(() -> ran.add("first on " + Thread.currentThread().getName()));
        loop.execute(() -> ran.add("second, in loop: " + loop.inLoop()));

        assertEquals("first on event-loop-test", next(ran));
        assertEquals("second, in loop: true", next(ran));
        assertFalse(loop.inLoop());
    }

    @Test
    void noHandOverFromAnotherThreadIsEverLost() {
        // Back-to-back hand-overs race the loop draining its wake-up eventfd; a lost wake-up hangs this test.
        AtomicInteger counter = new AtomicInteger();
        for (int i = 1; i <= 20_000; i++) {
            loop.execute(counter::incrementAndGet);
            if (i % 7 == 0) {
                assertEquals(i, loop.call(counter::get));
            }
        }
        assertEquals(20_000, loop.call(counter::get));
    }

    @Test
    void callReturnsTheResultAndRethrowsWhatTheTaskThrew() {
        assertEquals("event-loop-test", loop.call(() -> Thread.currentThread().getName()));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> loop.run(() -> { throw new IllegalStateException("device state broken"); }));
        assertEquals("device state broken", e.getMessage());
        assertEquals(42, loop.call(() -> loop.call(() -> 42)), "a nested call on the loop thread runs inline");
    }

    @Test
    void aReadyFdRunsItsHandlerWithTheEpollBits() throws InterruptedException {
        try (EventFd fd = EventFd.create()) {
            BlockingQueue<Integer> events = new LinkedBlockingQueue<>();
            loop.register(fd.fd(), Epoll.EPOLLIN, ready -> {
                fd.read();
                events.add(ready);
            });

            fd.write(1);

            assertEquals(Epoll.EPOLLIN, next(events) & Epoll.EPOLLIN);
        }
    }

    @Test
    void modifiedInterestIsWhatGetsReported() throws InterruptedException {
        try (EventFd fd = EventFd.create()) {
            BlockingQueue<Integer> events = new LinkedBlockingQueue<>();
            Registration r = loop.register(fd.fd(), Epoll.EPOLLIN, events::add);
            // An eventfd below its maximum is always writable: with OUT | ET it reports once.
            loop.run(() -> r.modify(Epoll.EPOLLOUT | Epoll.EPOLLET));

            assertEquals(Epoll.EPOLLOUT, next(events) & (Epoll.EPOLLIN | Epoll.EPOLLOUT));
        }
    }

    @Test
    void aCancelledRegistrationIsNeverCalledAgain() throws InterruptedException {
        try (EventFd fd = EventFd.create(); EventFd other = EventFd.create()) {
            List<String> calls = new CopyOnWriteArrayList<>();
            BlockingQueue<String> otherCalls = new LinkedBlockingQueue<>();
            Registration r = loop.register(fd.fd(), Epoll.EPOLLIN, ready -> calls.add("cancelled one"));
            loop.register(other.fd(), Epoll.EPOLLIN, ready -> {
                other.read();
                otherCalls.add("other");
            });
            loop.run(r::cancel);

            fd.write(1);
            other.write(1);
            assertEquals("other", next(otherCalls));
            loop.run(() -> { }); // one more full pass

            assertEquals(List.of(), calls);
        }
    }

    @Test
    void aThrowingHandlerOrTaskDoesNotStopTheLoop() throws InterruptedException {
        try (EventFd fd = EventFd.create()) {
            loop.register(fd.fd(), Epoll.EPOLLIN, ready -> {
                fd.read();
                throw new IllegalStateException("backend bug");
            });
            fd.write(1);
            loop.execute(() -> { throw new IllegalStateException("task bug"); });

            assertEquals("still serving", loop.call(() -> "still serving"));
        }
    }

    @Test
    void timersRunInDeadlineOrderAndCancelledOnesNever() throws InterruptedException {
        BlockingQueue<String> ran = new LinkedBlockingQueue<>();
        loop.run(() -> { // on the loop thread, so nothing can run before it is cancelled
            Cancellable never = loop.schedule(Duration.ZERO, () -> ran.add("cancelled"));
            never.cancel();
        });
        loop.schedule(Duration.ofMillis(50), () -> ran.add("later"));
        loop.schedule(Duration.ZERO, () -> ran.add("sooner"));

        assertEquals("sooner", next(ran));
        assertEquals("later", next(ran));
        loop.run(() -> { });
        assertTrue(ran.isEmpty());
    }

    @Test
    void afterCloseCallsRunOnTheCallerAndNewWorkIsRefused() {
        AtomicInteger runs = new AtomicInteger();
        loop.close();

        Thread caller = Thread.currentThread();
        assertSame(caller, loop.call(Thread::currentThread));
        assertThrows(java.util.concurrent.RejectedExecutionException.class, () -> loop.execute(runs::incrementAndGet));
        try (EventFd fd = EventFd.create()) {
            assertThrows(IllegalStateException.class, () -> loop.register(fd.fd(), Epoll.EPOLLIN, ready -> { }));
        }
        loop.close(); // idempotent
        assertEquals(0, runs.get());
    }

    @Test
    void closeFromTheLoopThreadStopsIt() {
        loop.run(loop::close);
        Thread caller = Thread.currentThread();
        assertSame(caller, loop.call(Thread::currentThread), "the loop thread is gone, so the caller runs it");
    }
}
