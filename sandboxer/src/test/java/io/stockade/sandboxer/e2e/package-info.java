/**
 * End-to-end tests of the sandboxer through CRI, the way kubelet drives it: a private containerd 2.1 with CRI
 * ({@link io.stockade.sandboxer.e2e.CriNode}), the runtime handler {@code stockade} served by the sandboxer in process
 * mode as a child JVM ({@link io.stockade.sandboxer.e2e.SandboxerProcess}), hand-built busybox and pause images, and
 * a gRPC CRI client ({@link io.stockade.sandboxer.e2e.CriClient}). containerd's own runc runtime runs the same
 * scenarios as a baseline. All tests are {@code @Tag("host")} (root, containerd, runc); run them with
 * <pre>
 * flock /tmp/stockade-sandboxer.lock ./mvnw -B -ntp -q -pl sandboxer test -Dstockade.tiers=unit,host \
 *     -Dtest='io.stockade.sandboxer.e2e.**' -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 * The pod start-up benchmark is in {@code bench}.
 */
package io.stockade.sandboxer.e2e;
