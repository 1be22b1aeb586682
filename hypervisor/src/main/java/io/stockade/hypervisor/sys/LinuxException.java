package io.stockade.hypervisor.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A failed Linux call. The message names the call, the object it was made on, and errno as number, symbolic name
 * and strerror text, e.g. {@code ioctl(KVM_CREATE_VCPU) on vm fd 7: EEXIST (17): File exists}.
 */
public final class LinuxException extends RuntimeException {
    private static final MethodHandle STRERROR = Native.plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private final String call;
    private final String target;
    private final int errno;

    /**
     * @param call   the call as a reader would recognise it, e.g. {@code "ioctl(KVM_RUN)"}
     * @param target what it was made on, e.g. {@code "vcpu 0 fd 12"}, or {@code ""} when nothing specific
     * @param errno  the errno value the call left behind
     */
    public LinuxException(String call, String target, int errno) {
        super(call + (target.isEmpty() ? "" : " on " + target) + ": " + Errno.nameOf(errno) + " (" + errno + "): "
                + strerror(errno));
        this.call = call;
        this.target = target;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public String target() {
        return target;
    }

    public int errno() {
        return errno;
    }

    /** True when errno is the given value. */
    public boolean is(Errno e) {
        return errno == e.number();
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "unknown error" : text.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            throw Native.unexpected("strerror", t);
        }
    }
}
