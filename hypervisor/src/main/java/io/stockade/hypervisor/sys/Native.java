package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The FFM plumbing shared by the {@code sys} classes: libc symbol lookup, downcall handles that capture
 * {@code errno}, and a per-thread capture segment so a hot call (KVM_RUN, eventfd write) allocates nothing.
 */
final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // An automatic arena frees a thread's capture segment once the thread (and its ThreadLocal) is gone.
    private static final ThreadLocal<MemorySegment> CAPTURE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    private Native() {}

    /** A downcall whose first argument is the errno capture segment. */
    static MethodHandle withErrno(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(symbol), descriptor, CAPTURE_ERRNO);
    }

    /** A downcall to a variadic function; {@code firstVariadic} counts the fixed arguments. */
    static MethodHandle variadicWithErrno(String symbol, FunctionDescriptor descriptor, int firstVariadic) {
        return LINKER.downcallHandle(find(symbol), descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A downcall for a function that reports errors by return value only (pthread_*, sigset helpers, strerror). */
    static MethodHandle plain(String symbol, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(symbol), descriptor);
    }

    /** This thread's errno capture segment; read it with {@link #errno(MemorySegment)} right after the call. */
    static MemorySegment capture() {
        return CAPTURE.get();
    }

    /** A small per-thread native buffer for calls that pass a scalar by pointer (eventfd, epoll_ctl). */
    static ThreadLocal<MemorySegment> threadLocalBuffer(long size) {
        return ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(size, Long.BYTES));
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /**
     * Turns what {@code invokeExact} threw into something to rethrow. Downcalls only throw for programming
     * errors (wrong types, closed segments), so these are never checked exceptions in practice.
     */
    static RuntimeException unexpected(String call, Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call " + call + " threw", t);
    }

    private static MemorySegment find(String symbol) {
        return LIBC.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + symbol));
    }
}
