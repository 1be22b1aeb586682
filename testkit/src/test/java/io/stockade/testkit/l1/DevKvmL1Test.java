package io.stockade.testkit.l1;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inside L1, /dev/kvm is a working KVM device: the premise of the whole kvm tier. Self-contained (plain FFM, no
 * hypervisor module) so that it proves the tier itself. Runs only inside L1, through {@link L1TierSmokeTest}.
 */
@Tag("l1")
class DevKvmL1Test {
    private static final Path DEV_KVM = Path.of("/dev/kvm");
    private static final int S_IFMT = 0170000;
    private static final int S_IFCHR = 0020000;
    private static final int O_RDWR = 02;
    private static final int O_CLOEXEC = 02000000;
    private static final long KVM_GET_API_VERSION = 0xAE00L;
    private static final long KVM_CREATE_VM = 0xAE01L;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    @Test
    void devKvmIsACharacterDevice() throws Exception {
        assertTrue(Files.exists(DEV_KVM), "/dev/kvm exists");
        int mode = (Integer) Files.getAttribute(DEV_KVM, "unix:mode");
        assertEquals(S_IFCHR, mode & S_IFMT, "/dev/kvm file type, mode 0" + Integer.toOctalString(mode));
    }

    @Test
    void apiVersionIs12AndAVmCanBeCreated() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int kvm = (int) OPEN.invokeExact(state, arena.allocateFrom(DEV_KVM.toString()), O_RDWR | O_CLOEXEC);
            assertTrue(kvm >= 0, () -> "open(/dev/kvm) failed, errno " + errno(state));
            try {
                int version = (int) IOCTL.invokeExact(state, kvm, KVM_GET_API_VERSION, 0L);
                assertEquals(12, version, () -> "ioctl(KVM_GET_API_VERSION), errno " + errno(state));
                int vm = (int) IOCTL.invokeExact(state, kvm, KVM_CREATE_VM, 0L);
                assertTrue(vm >= 0, () -> "ioctl(KVM_CREATE_VM) failed, errno " + errno(state));
                int closed = (int) CLOSE.invokeExact(state, vm);
                assertEquals(0, closed, "close(vm fd)");
            } finally {
                int _ = (int) CLOSE.invokeExact(state, kvm);
            }
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    @SuppressWarnings("restricted") // native access is what this test is about; surefire enables it
    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, all);
    }
}
