/**
 * KVM through {@code /dev/kvm}: {@link io.stockade.hypervisor.kvm.Kvm} → {@link io.stockade.hypervisor.kvm.Vm} →
 * {@link io.stockade.hypervisor.kvm.Vcpu}, immutable register records, and the sealed
 * {@link io.stockade.hypervisor.kvm.VcpuExit} describing why the guest stopped. Struct layouts and ioctl numbers are
 * hand-written and checked against linux/kvm.h by a compiled C oracle in the tests.
 */
package io.stockade.hypervisor.kvm;
