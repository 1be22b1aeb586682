/**
 * virtio-net: the {@link io.stockade.hypervisor.devices.virtio.net.VirtioNet} device and the
 * {@link io.stockade.hypervisor.devices.virtio.net.NetBackend}s its frames go to, a TAP device in production.
 *
 * <p><b>Why the virtio-net header is passed through, and rewritten.</b> The TAP is opened with
 * {@code IFF_VNET_HDR} and a header size of 12, which makes its per-frame header byte-for-byte the guest's
 * {@code virtio_net_hdr_v1}; the alternative (no vnet header, strip and add it ourselves) would work today but
 * would have to be undone for checksum and segmentation offloads, which pass through exactly this header. Offloads
 * are not offered yet, so the device enforces the no-offload contract at the boundary: transmitted packets whose
 * header asks for checksum or GSO work are dropped and the rest reach the TAP with a zero header (the kernel never
 * sees guest-controlled hdr_len or csum fields); received packets get a zero header with {@code num_buffers} = 1.
 *
 * <p>Packet sizes: at least the 12-byte header plus a 14-byte Ethernet header, at most the header plus a 65,550-byte
 * frame (64 KiB plus an Ethernet header, the bound Firecracker and Cloud Hypervisor use).
 */
package io.stockade.hypervisor.devices.virtio.net;
