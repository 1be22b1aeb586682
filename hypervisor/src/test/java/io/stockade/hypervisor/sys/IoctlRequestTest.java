package io.stockade.hypervisor.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The _IO/_IOR/_IOW/_IOWR encodings produce the kernel's numbers, as positive longs. */
class IoctlRequestTest {

    @Test
    void encodesDirectionSizeTypeAndNumberLikeTheKernelMacros() {
        assertEquals(0xAE80L, IoctlRequest.io("KVM_RUN", 0xAE, 0x80).number());
        assertEquals(0x4020AE46L, IoctlRequest.iow("KVM_SET_USER_MEMORY_REGION", 0xAE, 0x46, 32).number());
        assertEquals(0x8090AE81L, IoctlRequest.ior("KVM_GET_REGS", 0xAE, 0x81, 144).number());
        assertEquals(0xC008AE05L, IoctlRequest.iowr("KVM_GET_SUPPORTED_CPUID", 0xAE, 0x05, 8).number());
        assertEquals(0x400454CAL, IoctlRequest.iow("TUNSETIFF", 'T', 202, 4).number());
    }

    @Test
    void fieldsOutOfRangeAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> IoctlRequest.io("X", 0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> IoctlRequest.io("X", 0xAE, 0x100));
        assertThrows(IllegalArgumentException.class, () -> IoctlRequest.ior("X", 0xAE, 0, 1 << 14));
    }

    @Test
    void printsItsNameAndNumber() {
        assertEquals("KVM_RUN(0xae80)", IoctlRequest.io("KVM_RUN", 0xAE, 0x80).toString());
    }
}
