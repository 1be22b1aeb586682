/**
 * Guest-physical memory: RAM regions backed by a shareable memfd (or the heap in tests) with bounds-checked access
 * by guest address, and allocators for MMIO windows and interrupt lines.
 */
package io.stockade.hypervisor.memory;
