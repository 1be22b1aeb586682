package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** epoll reports a ready eventfd with the data it was registered with (the packed 64-bit field survives). */
class EpollTest {

    @Test
    void aSignalledEventFdIsReportedWithItsData() {
        try (Epoll epoll = Epoll.create(8); EventFd eventFd = EventFd.create()) {
            long data = 0x1122_3344_5566_7788L;
            epoll.add(eventFd.fd(), Epoll.EPOLLIN, data);
            assertEquals(List.of(), epoll.await(0));

            eventFd.write(1);
            List<Epoll.Event> ready = epoll.await(10_000);
            assertEquals(List.of(new Epoll.Event(Epoll.EPOLLIN, data)), ready);
            assertTrue(ready.getFirst().readable());
        }
    }

    @Test
    void modifiedDataAndRemovalTakeEffect() {
        try (Epoll epoll = Epoll.create(8); EventFd eventFd = EventFd.create()) {
            epoll.add(eventFd.fd(), Epoll.EPOLLIN, 1);
            epoll.modify(eventFd.fd(), Epoll.EPOLLIN, 2);
            eventFd.write(1);
            assertEquals(2, epoll.await(10_000).getFirst().data());
            epoll.remove(eventFd.fd());
            assertEquals(List.of(), epoll.await(0));
        }
    }

    @Test
    void awaitingOnAClosedEpollIsRefused() {
        Epoll epoll = Epoll.create(1);
        epoll.close();
        epoll.close();
        assertThrows(IllegalStateException.class, () -> epoll.await(0));
    }

    @Test
    void registeringABadFdNamesTheOperationAndErrno() {
        try (Epoll epoll = Epoll.create(1)) {
            LinuxException e = assertThrows(LinuxException.class, () -> epoll.add(-1, Epoll.EPOLLIN, 0));
            assertTrue(e.is(Errno.EBADF));
            assertTrue(e.getMessage().contains("EPOLL_CTL_ADD") && e.getMessage().contains("epoll fd " + epoll.fd()),
                    e.getMessage());
        }
    }
}
