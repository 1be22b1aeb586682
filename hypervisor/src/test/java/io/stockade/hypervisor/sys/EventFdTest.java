package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An eventfd accumulates writes until read, and reads 0 when nothing is pending instead of blocking. */
class EventFdTest {

    @Test
    void writesAccumulateAndAReadResetsTheCounter() {
        try (EventFd eventFd = EventFd.create()) {
            assertEquals(0, eventFd.read());
            eventFd.write(5);
            eventFd.write(2);
            assertEquals(7, eventFd.read());
            assertEquals(0, eventFd.read());
        }
    }

    @Test
    void closeReleasesTheFdOnceAndOnlyOnce() throws IOException {
        EventFd eventFd = EventFd.create();
        Path link = Path.of("/proc/self/fd/" + eventFd.fd());
        assertTrue(Files.readSymbolicLink(link).toString().contains("eventfd"));
        eventFd.close();
        eventFd.close();
        // The number may be reused by someone else, but not for an eventfd of ours.
        assertFalse(Files.exists(link) && Files.readSymbolicLink(link).toString().contains("eventfd"));
    }
}
