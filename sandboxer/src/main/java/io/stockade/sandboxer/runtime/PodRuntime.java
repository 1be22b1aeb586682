package io.stockade.sandboxer.runtime;

import io.stockade.sandboxer.store.SandboxRecord;

import java.util.Optional;

/** Starts pods and finds them again after a sandboxer restart. */
public interface PodRuntime {
    /** The runtime kind ("process", "vm") recorded with each sandbox. */
    String kind();

    /** Whether pods of this runtime have hardware isolation (reported in {@code Status.info}). */
    boolean hardwareIsolated();

    /**
     * Starts the pod and returns once its agent answers.
     *
     * @throws PodStartException naming the pod and what failed; nothing is left running
     */
    RunningPod start(PodLaunch launch);

    /**
     * The pod's runtime recorded in {@code record}, if it still runs (same pid, same start time).
     */
    Optional<RunningPod> reattach(SandboxRecord record, PodLaunch launch);

    /**
     * Kills whatever may be left of a pod whose runtime is gone (containers, processes).
     * Idempotent.
     */
    void cleanUp(PodLaunch launch);
}
