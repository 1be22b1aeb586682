package io.stockade.hypervisor.vmm;

import io.stockade.testkit.l1.L1Kernel;
import io.stockade.testkit.l1.L1TestRunner;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the {@code @Tag("l1")} tests of the hypervisor's devices, vmm, api and main (CLI) packages inside one
 * nested-KVM L1 guest, with the L1 kernel (Debian's stock bzImage) as the guest kernel and its modules for guest
 * initramfs. {@code -Dstockade.tiers=unit,host,kvm}.
 */
@Tag("kvm")
class VmmKvmTierTest {

    @TestFactory
    Stream<DynamicTest> bootTestsInL1() {
        L1Kernel kernel = L1Kernel.debian();
        return L1TestRunner.create()
                .withJvmOptions("-D" + VirtualMachineL1Test.KERNEL_PROPERTY + "=" + kernel.vmlinuz(),
                        "-D" + VirtioDevicesL1Test.MODULES_PROPERTY + "=" + kernel.modulesDir())
                .runPackages("io.stockade.hypervisor.vmm", "io.stockade.hypervisor.api",
                        "io.stockade.hypervisor.devices", "io.stockade.hypervisor.main");
    }
}
