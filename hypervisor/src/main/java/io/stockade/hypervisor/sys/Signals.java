package io.stockade.hypervisor.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Thread-directed signals without native handlers: dispositions can only be set to "ignore", masks and waits act
 * on the calling thread. This is all the vCPU kick needs, and it is safe inside a JVM, which installs its own
 * handlers for the classic signals but uses no real-time ones.
 *
 * <p>Signal sets are passed as a {@code long} with bit {@code n - 1} standing for signal {@code n} (1..64): the
 * layout of the kernel's own sigset on x86-64 and of the first word of glibc's {@code sigset_t}.
 */
public final class Signals {
    static final int SIG_BLOCK = 0;
    static final int SIG_UNBLOCK = 1;
    /** glibc's sigset_t is 1024 bits although the kernel uses only 64. */
    static final long SIGSET_BYTES = 128;
    /** struct sigaction on x86-64 glibc: handler, sa_mask (sigset_t), sa_flags, sa_restorer. */
    static final long SIGACTION_BYTES = 152;
    static final long SIGACTION_HANDLER_OFFSET = 0;
    static final long SIGACTION_MASK_OFFSET = 8;
    static final long SIGACTION_FLAGS_OFFSET = 136;
    static final long SIG_IGN = 1;
    static final long TIMESPEC_BYTES = 16;

    private static final MethodHandle RTMIN = Native.plain("__libc_current_sigrtmin", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle RTMAX = Native.plain("__libc_current_sigrtmax", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle PTHREAD_SELF = Native.plain("pthread_self", FunctionDescriptor.of(JAVA_LONG));
    // pthread_* report failure as their return value, not through errno.
    private static final MethodHandle PTHREAD_KILL =
            Native.plain("pthread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PTHREAD_SIGMASK =
            Native.plain("pthread_sigmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGACTION =
            Native.withErrno("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SIGTIMEDWAIT =
            Native.withErrno("sigtimedwait", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));

    private Signals() {}

    /** {@code SIGRTMIN + offset}, as glibc numbers real-time signals (it reserves the first few for itself). */
    public static int realtimeSignal(int offset) {
        try {
            int min = (int) RTMIN.invokeExact();
            int max = (int) RTMAX.invokeExact();
            if (offset < 0 || min + offset > max) {
                throw new IllegalArgumentException("SIGRTMIN+" + offset + " is not a real-time signal (SIGRTMIN=" + min
                        + ", SIGRTMAX=" + max + ")");
            }
            return min + offset;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected("__libc_current_sigrtmin", t);
        }
    }

    /** Sets the process-wide disposition of {@code signal} to SIG_IGN. */
    public static void ignore(int signal) {
        checkSignal(signal);
        MemorySegment capture = Native.capture();
        int result;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment action = arena.allocate(SIGACTION_BYTES, Long.BYTES); // zeroed: empty mask, no flags
            action.set(JAVA_LONG, SIGACTION_HANDLER_OFFSET, SIG_IGN);
            result = (int) SIGACTION.invokeExact(capture, signal, action, MemorySegment.NULL);
        } catch (Throwable t) {
            throw Native.unexpected("sigaction", t);
        }
        if (result < 0) {
            throw new LinuxException("sigaction(SIG_IGN)", "signal " + signal, Native.errno(capture));
        }
    }

    /** The calling thread's pthread_t, for {@link #sendToThread}. Only meaningful for platform threads. */
    public static long currentThread() {
        try {
            return (long) PTHREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw Native.unexpected("pthread_self", t);
        }
    }

    /** Adds {@code signal} to the calling thread's blocked set. */
    public static void block(int signal) {
        checkSignal(signal);
        changeMask(SIG_BLOCK, 1L << (signal - 1), "signal " + signal);
    }

    /** Removes {@code signal} from the calling thread's blocked set. */
    public static void unblock(int signal) {
        checkSignal(signal);
        changeMask(SIG_UNBLOCK, 1L << (signal - 1), "signal " + signal);
    }

    /** The calling thread's blocked signals, bit {@code n - 1} for signal {@code n}. */
    public static long blockedSignals() {
        return changeMask(SIG_BLOCK, 0, "current mask");
    }

    /**
     * pthread_kill: sends {@code signal} to one thread of this process.
     *
     * @param thread a value from {@link #currentThread()} of a thread that is still running
     */
    public static void sendToThread(long thread, int signal) {
        checkSignal(signal);
        int error;
        try {
            error = (int) PTHREAD_KILL.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw Native.unexpected("pthread_kill", t);
        }
        if (error != 0) {
            throw new LinuxException("pthread_kill(" + signal + ")", "thread 0x" + Long.toHexString(thread), error);
        }
    }

    /**
     * Removes {@code signal} from the calling thread's pending signals if it is there, without waiting. The signal
     * must be blocked (otherwise it would have been delivered or discarded already).
     *
     * @return whether the signal was pending
     */
    public static boolean consumePending(int signal) {
        checkSignal(signal);
        MemorySegment capture = Native.capture();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = sigset(arena, 1L << (signal - 1));
            MemorySegment zeroTimeout = arena.allocate(TIMESPEC_BYTES, Long.BYTES);
            while (true) {
                int result = (int) SIGTIMEDWAIT.invokeExact(capture, set, MemorySegment.NULL, zeroTimeout);
                if (result == signal) {
                    return true;
                }
                int errno = Native.errno(capture);
                if (errno == Errno.EAGAIN.number()) {
                    return false;
                }
                if (errno != Errno.EINTR.number()) {
                    throw new LinuxException("sigtimedwait", "signal " + signal, errno);
                }
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected("sigtimedwait", t);
        }
    }

    /** Applies {@code how} with {@code bits} to the calling thread's mask and returns the mask before the change. */
    private static long changeMask(int how, long bits, String what) {
        int error;
        MemorySegment old;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = sigset(arena, bits);
            old = arena.allocate(SIGSET_BYTES, Long.BYTES);
            error = (int) PTHREAD_SIGMASK.invokeExact(how, set, old);
            if (error == 0) {
                return old.get(JAVA_LONG, 0);
            }
        } catch (Throwable t) {
            throw Native.unexpected("pthread_sigmask", t);
        }
        throw new LinuxException("pthread_sigmask", what, error);
    }

    private static MemorySegment sigset(Arena arena, long bits) {
        MemorySegment set = arena.allocate(SIGSET_BYTES, Long.BYTES);
        set.set(JAVA_LONG, 0, bits);
        return set;
    }

    private static void checkSignal(int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("no such signal: " + signal);
        }
    }
}
