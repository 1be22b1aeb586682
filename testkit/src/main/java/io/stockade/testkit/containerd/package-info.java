/**
 * A private containerd 2.1 for host-tier tests.
 *
 * <ul>
 *   <li>{@link io.stockade.testkit.containerd.ContainerdInstall} locates Debian sid's containerd package unpacked by
 *       {@code scripts/fetch-containerd.sh} (running the script when needed).</li>
 *   <li>{@link io.stockade.testkit.containerd.ContainerdFixture} runs one containerd with its own root, state and
 *       sockets under a temporary directory and removes every trace of it on close.</li>
 * </ul>
 */
package io.stockade.testkit.containerd;
