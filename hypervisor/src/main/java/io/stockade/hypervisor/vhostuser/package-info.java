/**
 * The frontend (VMM) side of the vhost-user protocol (QEMU {@code docs/interop/vhost-user.rst}): it hands a device's
 * rings, guest memory and notification eventfds to an out-of-process backend such as virtiofsd, which then serves the
 * data path on its own. Every reply is validated; a backend that dies or breaks the protocol leaves the frontend
 * <em>broken</em> with an error naming the socket and the message.
 */
package io.stockade.hypervisor.vhostuser;
