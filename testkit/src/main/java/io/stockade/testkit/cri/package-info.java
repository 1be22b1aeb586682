/**
 * CRI end-to-end test pieces that need no CRI protos (testkit must not depend on stockade-proto; the gRPC CRI
 * client lives in the sandboxer's tests).
 *
 * <ul>
 *   <li>{@link io.stockade.testkit.cri.CriConfigFragment} renders the containerd config of a CRI test node: local
 *       pause image, oom_score_adj restriction, private CNI dirs and external sandboxers
 *       ({@link io.stockade.testkit.cri.SandboxerRuntime}).</li>
 *   <li>{@link io.stockade.testkit.cri.CriLog} reads the container log files CRI writes.</li>
 * </ul>
 */
package io.stockade.testkit.cri;
