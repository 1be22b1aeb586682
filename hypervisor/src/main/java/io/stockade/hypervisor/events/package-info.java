/**
 * The VMM's device event loop: one platform thread multiplexing the file descriptors of device backends with
 * epoll, plus tasks handed over from vCPU threads and timers. Backend state confined to the loop needs no locks.
 */
package io.stockade.hypervisor.events;
