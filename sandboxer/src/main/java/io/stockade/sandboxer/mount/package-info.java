/**
 * Host mounts the sandboxer makes for pods: container rootfs mounts as containerd describes them (overlay, bind),
 * the pod's {@code /dev/shm} tmpfs, and tearing down everything under a pod's directory.
 */
package io.stockade.sandboxer.mount;
