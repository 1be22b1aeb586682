/**
 * The Linux calls the VMM needs, made through the FFM API (no JNI): one class per concern (file descriptors, ioctl,
 * mmap, memfd, eventfd, epoll, signals, namespaces, TAP). Every failure is a {@link io.stockade.hypervisor.sys.LinuxException}
 * naming the call, the object and errno.
 */
package io.stockade.hypervisor.sys;
