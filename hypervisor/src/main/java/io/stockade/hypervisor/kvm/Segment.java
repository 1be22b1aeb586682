package io.stockade.hypervisor.kvm;

/**
 * A segment register's hidden descriptor cache as KVM exposes it ({@code struct kvm_segment}); the byte fields are
 * the descriptor's attribute bits (type, S, DPL, P, AVL, L, D/B, G) one per field.
 */
public record Segment(long base, int limit, short selector, byte type, byte present, byte dpl, byte db,
                      byte s, byte l, byte g, byte avl, byte unusable) {}
