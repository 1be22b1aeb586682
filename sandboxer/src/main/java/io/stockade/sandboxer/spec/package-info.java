/**
 * What a container sees of its pod: the OCI spec rewritten for the agent (rootfs in the pod's shared dir, the
 * pod's network namespace, fresh pid/ipc/uts namespaces, a cgroup under Stockade's parent) and the pod files
 * containerd 2.1 does not provide to remote sandboxers ({@code /etc/hosts}, {@code /etc/hostname},
 * {@code /etc/resolv.conf}, {@code /dev/shm}).
 */
package io.stockade.sandboxer.spec;
