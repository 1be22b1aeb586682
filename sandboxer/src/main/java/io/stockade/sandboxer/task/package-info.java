/**
 * The per-pod Task proxy: containerd's Task v3 API on {@code <root_dir>/<sandbox-id>/task.sock}. Create and Exec
 * are rewritten (rootfs mounted into the pod's shared dir, spec rewritten, host FIFOs pumped to the agent); the
 * other calls are forwarded to the agent 1:1.
 */
package io.stockade.sandboxer.task;
