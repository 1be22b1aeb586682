/**
 * virtio-vsock with the hybrid unix-socket backend: {@link io.stockade.hypervisor.devices.virtio.vsock.VirtioVsock}
 * is the device; inside are the packet format and its validation, the per-connection state machine with
 * credit-based flow control, and the multiplexer that maps connections onto host unix sockets on the event loop.
 */
package io.stockade.hypervisor.devices.virtio.vsock;
