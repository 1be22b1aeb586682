/**
 * A container's root filesystem as containerd describes it ({@code CreateTaskRequest.rootfs}: overlay, bind or any
 * other mount): translating each mount into {@code mount(2)} arguments, mounting them on the bundle's rootfs, and
 * unmounting them again.
 */
package io.stockade.agent.rootfs;
