package io.stockade.hypervisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * ioctl(2) with a pointer or an integer argument. Failures become a {@link LinuxException} such as
 * {@code ioctl(KVM_CREATE_VCPU) on vm fd 7: EEXIST (17): File exists}; EINTR is retried except by {@link #callRaw}.
 */
public final class Ioctl {
    // ioctl's third parameter is variadic, so the handles need firstVariadicArg(2); one handle per argument shape.
    private static final MethodHandle IOCTL_POINTER =
            Native.variadicWithErrno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle IOCTL_LONG =
            Native.variadicWithErrno("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);

    private Ioctl() {}

    /**
     * @param target what {@code fd} is, for error messages, e.g. {@code "vm fd 7"}
     * @return the ioctl's non-negative result
     */
    public static int call(int fd, String target, IoctlRequest request, MemorySegment argument) {
        MemorySegment capture = Native.capture();
        while (true) {
            int result;
            try {
                result = (int) IOCTL_POINTER.invokeExact(capture, fd, request.number(), argument);
            } catch (Throwable t) {
                throw Native.unexpected("ioctl(" + request.name() + ")", t);
            }
            if (result >= 0) {
                return result;
            }
            checkRetry(capture, request, target);
        }
    }

    /** As {@link #call(int, String, IoctlRequest, MemorySegment)} for requests that take an integer argument. */
    public static int call(int fd, String target, IoctlRequest request, long argument) {
        MemorySegment capture = Native.capture();
        while (true) {
            int result = rawLong(capture, fd, request, argument);
            if (result >= 0) {
                return result;
            }
            checkRetry(capture, request, target);
        }
    }

    /**
     * One attempt, no exception and no retry, for hot paths where a failure is an expected outcome (KVM_RUN
     * interrupted by a kick).
     *
     * @return the non-negative result, or {@code -errno}
     */
    public static int callRaw(int fd, IoctlRequest request, long argument) {
        MemorySegment capture = Native.capture();
        int result = rawLong(capture, fd, request, argument);
        return result >= 0 ? result : -Native.errno(capture);
    }

    private static int rawLong(MemorySegment capture, int fd, IoctlRequest request, long argument) {
        try {
            return (int) IOCTL_LONG.invokeExact(capture, fd, request.number(), argument);
        } catch (Throwable t) {
            throw Native.unexpected("ioctl(" + request.name() + ")", t);
        }
    }

    private static void checkRetry(MemorySegment capture, IoctlRequest request, String target) {
        int errno = Native.errno(capture);
        if (errno != Errno.EINTR.number()) {
            throw new LinuxException("ioctl(" + request.name() + ")", target, errno);
        }
    }
}
