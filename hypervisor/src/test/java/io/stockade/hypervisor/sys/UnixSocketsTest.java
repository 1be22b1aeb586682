package io.stockade.hypervisor.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketsTest {

    private final int[] pair = UnixSockets.pair();

    @AfterEach
    void closePair() {
        FileDescriptors.close(pair[0], "test socket");
        FileDescriptors.close(pair[1], "test socket");
    }

    @Test
    void bytesAndDescriptorsArriveTogether() {
        try (EventFd original = EventFd.create(); Arena arena = Arena.ofConfined()) {
            UnixSockets.send(pair[0], new byte[] {1, 2, 3}, new int[] {original.fd()}, "test peer");
            MemorySegment buffer = arena.allocate(16);
            UnixSockets.Received r = UnixSockets.receive(pair[1], buffer, 4, "test peer");
            assertEquals(3, r.bytes());
            assertArrayEquals(new byte[] {1, 2, 3}, buffer.asSlice(0, 3).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(1, r.fds().length);
            int received = r.fds()[0];
            assertTrue(received != original.fd(), "the receiver gets its own descriptor");
            // The received fd is the same eventfd: a write through it shows up in the original.
            MemorySegment one = arena.allocate(8);
            one.set(ValueLayout.JAVA_LONG, 0, 5);
            FileDescriptors.write(received, one, "received eventfd");
            assertEquals(5, original.read());
            FileDescriptors.close(received, "received eventfd");
        }
    }

    @Test
    void messageWithoutDescriptorsReceivesNone() {
        try (Arena arena = Arena.ofConfined()) {
            UnixSockets.send(pair[0], new byte[] {9}, new int[0], "test peer");
            UnixSockets.Received r = UnixSockets.receive(pair[1], arena.allocate(4), 4, "test peer");
            assertEquals(1, r.bytes());
            assertEquals(0, r.fds().length);
        }
    }

    @Test
    void moreDescriptorsThanExpectedAreAnErrorAndLeakNothing() {
        try (EventFd a = EventFd.create(); EventFd b = EventFd.create(); Arena arena = Arena.ofConfined()) {
            UnixSockets.send(pair[0], new byte[] {1}, new int[] {a.fd(), b.fd()}, "test peer");
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> UnixSockets.receive(pair[1], arena.allocate(4), 1, "test peer"));
            assertTrue(e.getMessage().contains("more than 1 file descriptor"), e.getMessage());
        }
    }

    @Test
    void endOfStreamReadsZeroBytes() {
        try (Arena arena = Arena.ofConfined()) {
            int[] other = UnixSockets.pair();
            FileDescriptors.close(other[0], "test socket");
            assertEquals(0, UnixSockets.receive(other[1], arena.allocate(4), 0, "test peer").bytes());
            FileDescriptors.close(other[1], "test socket");
        }
    }

    @Test
    void receiveTimesOutWithEagain() {
        UnixSockets.setTimeouts(pair[1], Duration.ofMillis(20), "test peer");
        try (Arena arena = Arena.ofConfined()) {
            LinuxException e = assertThrows(LinuxException.class,
                    () -> UnixSockets.receive(pair[1], arena.allocate(4), 0, "test peer"));
            assertTrue(e.is(Errno.EAGAIN), e.getMessage());
            assertTrue(e.getMessage().contains("recvmsg on test peer"), e.getMessage());
        }
    }

    @Test
    void sendingToAClosedPeerIsEpipeNotASignal() {
        int[] other = UnixSockets.pair();
        FileDescriptors.close(other[1], "test socket");
        LinuxException e = assertThrows(LinuxException.class,
                () -> UnixSockets.send(other[0], new byte[] {1}, new int[0], "gone peer"));
        assertTrue(e.is(Errno.EPIPE), e.getMessage());
        FileDescriptors.close(other[0], "test socket");
    }

    @Test
    void connectingToAMissingSocketNamesThePath(@TempDir Path dir) {
        Path missing = dir.resolve("nobody.sock");
        LinuxException e = assertThrows(LinuxException.class, () -> UnixSockets.connect(missing));
        assertTrue(e.is(Errno.ENOENT), e.getMessage());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void pathsTooLongForSockaddrAreRefused() {
        Path longPath = Path.of("/tmp/" + "x".repeat(120));
        assertThrows(IllegalArgumentException.class, () -> UnixSockets.connect(longPath));
    }
}
