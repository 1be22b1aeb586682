/**
 * OCI images built by hand for hosts that reach no registry.
 *
 * <ul>
 *   <li>{@link io.stockade.testkit.oci.Layer} is an uncompressed layer tar written deterministically;
 *       {@link io.stockade.testkit.oci.BusyboxLayer} fills one with the host's static busybox and its applets.</li>
 *   <li>{@link io.stockade.testkit.oci.OciImageBuilder} adds the image config, manifest and index and gives an
 *       {@link io.stockade.testkit.oci.OciImage}, written as an OCI image layout tar or imported into a
 *       {@link io.stockade.testkit.containerd.ContainerdFixture} with {@code ctr images import}.</li>
 *   <li>{@link io.stockade.testkit.oci.TestImages} names the images end-to-end tests use, including a local pause
 *       image.</li>
 * </ul>
 */
package io.stockade.testkit.oci;
