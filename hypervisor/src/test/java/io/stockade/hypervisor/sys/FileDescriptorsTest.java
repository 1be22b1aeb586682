package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed calls surface errno with its name, the call and the object they were made on. */
class FileDescriptorsTest {

    @Test
    void closingAnInvalidFdReportsEbadfWithTheCallAndTarget() {
        LinuxException e = assertThrows(LinuxException.class, () -> FileDescriptors.close(-1, "test fd -1"));
        assertEquals(Errno.EBADF.number(), e.errno());
        assertTrue(e.is(Errno.EBADF));
        assertEquals("close", e.call());
        assertTrue(e.getMessage().startsWith("close on test fd -1: EBADF (9): "), e.getMessage());
        assertTrue(e.getMessage().contains("Bad file descriptor"), e.getMessage());
    }

    @Test
    void openingAMissingFileReportsEnoentAndThePath() {
        LinuxException e = assertThrows(LinuxException.class,
                () -> FileDescriptors.open("/nonexistent/stockade", FileDescriptors.O_RDONLY | FileDescriptors.O_CLOEXEC));
        assertTrue(e.is(Errno.ENOENT));
        assertTrue(e.getMessage().contains("/nonexistent/stockade") && e.getMessage().contains("ENOENT (2)"), e.getMessage());
    }

    @Test
    void anIoctlOnAFileThatIsNoDeviceReportsEnottyWithTheRequestName() {
        int fd = FileDescriptors.open("/dev/null", FileDescriptors.O_RDWR | FileDescriptors.O_CLOEXEC);
        try {
            IoctlRequest apiVersion = IoctlRequest.io("KVM_GET_API_VERSION", 0xAE, 0x00);
            LinuxException e = assertThrows(LinuxException.class, () -> Ioctl.call(fd, "/dev/null fd " + fd, apiVersion, 0L));
            assertTrue(e.is(Errno.ENOTTY));
            assertEquals("ioctl(KVM_GET_API_VERSION)", e.call());
            assertTrue(e.getMessage().startsWith("ioctl(KVM_GET_API_VERSION) on /dev/null fd " + fd + ": ENOTTY (25)"),
                    e.getMessage());
            try (Arena arena = Arena.ofConfined()) {
                IoctlRequest getRegs = IoctlRequest.ior("KVM_GET_REGS", 0xAE, 0x81, 144);
                MemorySegment regs = arena.allocate(144);
                assertThrows(LinuxException.class, () -> Ioctl.call(fd, "/dev/null", getRegs, regs));
            }
            assertEquals(-Errno.ENOTTY.number(), Ioctl.callRaw(fd, apiVersion, 0L));
        } finally {
            FileDescriptors.close(fd, "/dev/null");
        }
    }

    @Test
    void readsAndWritesMoveBytesAndReportWouldBlock() {
        try (EventFd eventFd = EventFd.create(); Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(8);
            assertEquals(FileDescriptors.WOULD_BLOCK, FileDescriptors.read(eventFd.fd(), buffer, "eventfd"));
            buffer.set(JAVA_LONG, 0, 3);
            assertEquals(8, FileDescriptors.write(eventFd.fd(), buffer, "eventfd"));
            buffer.set(JAVA_LONG, 0, 0);
            assertEquals(8, FileDescriptors.read(eventFd.fd(), buffer, "eventfd"));
            assertEquals(3, buffer.get(JAVA_LONG, 0));
        }
    }

    @Test
    void unknownErrnoNumbersStillGetAName() {
        assertEquals("EINTR", Errno.nameOf(4));
        assertEquals("errno 4711", Errno.nameOf(4711));
        assertTrue(Errno.of(4711).isEmpty());
    }
}
