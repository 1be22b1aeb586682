package io.stockade.hypervisor.kvm;

/** The base and limit of the GDT or IDT ({@code struct kvm_dtable}). */
public record DescriptorTable(long base, short limit) {}
