package io.stockade.hypervisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * setns(2): moves the calling thread into another namespace, e.g. the pod's network namespace before opening its
 * TAP device. Linux namespaces of this kind are per thread, so do this on a dedicated platform thread.
 */
public final class Namespaces {
    public static final int CLONE_NEWNET = 0x40000000;

    private static final MethodHandle SETNS = Native.withErrno("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private Namespaces() {}

    /** setns(fd, type), with {@code fd} open on a namespace file such as {@code /proc/PID/ns/net}. */
    public static void enter(int namespaceFd, int type, String target) {
        MemorySegment capture = Native.capture();
        int result;
        try {
            result = (int) SETNS.invokeExact(capture, namespaceFd, type);
        } catch (Throwable t) {
            throw Native.unexpected("setns", t);
        }
        if (result < 0) {
            throw new LinuxException("setns", target, Native.errno(capture));
        }
    }

    /** Moves the calling thread into the network namespace at {@code path} (e.g. /var/run/netns/NAME). */
    public static void enterNetwork(String path) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns into " + path + " from a virtual thread would move its carrier");
        }
        int fd = FileDescriptors.open(path, FileDescriptors.O_RDONLY | FileDescriptors.O_CLOEXEC);
        try {
            enter(fd, CLONE_NEWNET, path);
        } finally {
            FileDescriptors.close(fd, path);
        }
    }
}
