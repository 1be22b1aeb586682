package io.stockade.sandboxer.store;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What survives a sandboxer restart about one sandbox.
 *
 * @param id the sandbox id
 * @param namespace the containerd namespace it was created in
 * @param netnsPath the pod network namespace; empty for host-network pods
 * @param annotations annotations from Create
 * @param podConfig the serialized {@code runtime.v1.PodSandboxConfig} from Create (may be empty)
 * @param createdAt when Create was answered
 * @param state where the sandbox is in its life
 * @param runtime the runtime kind running it ("process")
 * @param pid the agent (or VMM) pid while started; 0 before
 * @param pidStartedAt the start time of {@code pid}, to tell it from a reused pid after a restart;
 *     null before
 * @param exitStatus the runtime's exit status once stopped
 * @param exitedAt when the runtime was seen gone; null while not stopped
 */
public record SandboxRecord(
        String id,
        String namespace,
        String netnsPath,
        Map<String, String> annotations,
        byte[] podConfig,
        Instant createdAt,
        State state,
        String runtime,
        long pid,
        Instant pidStartedAt,
        int exitStatus,
        Instant exitedAt) {

    /** Life of a sandbox. */
    public enum State {
        /** Recorded by Create; nothing runs. */
        CREATED,
        /** Started; the runtime is (or was last seen) running. */
        STARTED,
        /** The runtime is gone (Stop or exit); state is kept until Shutdown. */
        STOPPED
    }

    public SandboxRecord {
        ObjectId.requireValid("sandbox id", id);
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(netnsPath, "netnsPath");
        annotations = Map.copyOf(annotations);
        podConfig = podConfig == null ? new byte[0] : podConfig.clone();
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(runtime, "runtime");
    }

    @Override
    public byte[] podConfig() {
        return podConfig.clone();
    }

    /** A fresh record as Create writes it. */
    public static SandboxRecord created(
            String id,
            String namespace,
            String netnsPath,
            Map<String, String> annotations,
            byte[] podConfig,
            Instant createdAt,
            String runtime) {
        return new SandboxRecord(
                id,
                namespace,
                netnsPath,
                annotations,
                podConfig,
                createdAt,
                State.CREATED,
                runtime,
                0,
                null,
                0,
                null);
    }

    public SandboxRecord started(long pid, Instant pidStartedAt) {
        return new SandboxRecord(
                id,
                namespace,
                netnsPath,
                annotations,
                podConfig,
                createdAt,
                State.STARTED,
                runtime,
                pid,
                pidStartedAt,
                0,
                null);
    }

    public SandboxRecord stopped(int exitStatus, Instant exitedAt) {
        return new SandboxRecord(
                id,
                namespace,
                netnsPath,
                annotations,
                podConfig,
                createdAt,
                State.STOPPED,
                runtime,
                pid,
                pidStartedAt,
                exitStatus,
                exitedAt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SandboxRecord r
                && id.equals(r.id)
                && namespace.equals(r.namespace)
                && netnsPath.equals(r.netnsPath)
                && annotations.equals(r.annotations)
                && java.util.Arrays.equals(podConfig, r.podConfig)
                && createdAt.equals(r.createdAt)
                && state == r.state
                && runtime.equals(r.runtime)
                && pid == r.pid
                && Objects.equals(pidStartedAt, r.pidStartedAt)
                && exitStatus == r.exitStatus
                && Objects.equals(exitedAt, r.exitedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, state, pid);
    }
}
