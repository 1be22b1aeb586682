package io.stockade.hypervisor.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KernelParametersTest {

    private static final String DEVICE = "virtio_mmio.device=4K@0xd0000000:5";

    @Test
    void deviceParametersAreAppendedToTheKernelsPart() {
        assertEquals("console=ttyS0 " + DEVICE, VirtualMachine.withKernelParameters("console=ttyS0", DEVICE));
        assertEquals(DEVICE, VirtualMachine.withKernelParameters("", DEVICE));
        assertEquals("console=ttyS0", VirtualMachine.withKernelParameters("console=ttyS0", ""));
    }

    @Test
    void argumentsForInitAfterTwoDashesStayLast() {
        assertEquals("console=ttyS0 " + DEVICE + " -- --verbose",
                VirtualMachine.withKernelParameters("console=ttyS0 -- --verbose", DEVICE));
        assertEquals(DEVICE + " -- x", VirtualMachine.withKernelParameters("-- x", DEVICE));
        assertEquals("quiet " + DEVICE + " --", VirtualMachine.withKernelParameters("quiet --", DEVICE));
        assertEquals("a--b " + DEVICE, VirtualMachine.withKernelParameters("a--b", DEVICE));
    }
}
