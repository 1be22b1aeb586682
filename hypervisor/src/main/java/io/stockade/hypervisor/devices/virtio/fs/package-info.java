/**
 * virtio-fs (VIRTIO 1.2 §5.11) served by virtiofsd through vhost-user: the VMM exposes the device and its
 * configuration (tag, request queue count), hands the rings and guest memory to the backend when the driver starts
 * the device, and only relays notifications; FUSE requests never pass through the VMM.
 */
package io.stockade.hypervisor.devices.virtio.fs;
