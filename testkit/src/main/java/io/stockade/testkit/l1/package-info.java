/**
 * The nested-KVM test tier: boots an "L1" Linux guest under QEMU TCG whose emulated AMD SVM gives it a real
 * {@code /dev/kvm}, and runs host-built code there (ARCHITECTURE §7, docs {@code nested-kvm.md}).
 *
 * <ul>
 *   <li>{@link io.stockade.testkit.l1.L1Guest} runs one {@link io.stockade.testkit.l1.L1Job} in L1 and returns an
 *       {@link io.stockade.testkit.l1.L1Result}; the guest is built by {@code scripts/l1/build.sh}.</li>
 *   <li>{@link io.stockade.testkit.l1.L1TestRunner} runs a module's {@code @Tag("l1")} JUnit tests inside one L1 guest
 *       and reports each as a host {@code DynamicTest}.</li>
 *   <li>{@link io.stockade.testkit.l1.L1Kernel} is the Debian kernel L1 boots, reusable as a VMM's guest kernel;
 *       {@link io.stockade.testkit.l1.Initramfs} builds busybox initramfs images for such guests.</li>
 * </ul>
 */
package io.stockade.testkit.l1;
