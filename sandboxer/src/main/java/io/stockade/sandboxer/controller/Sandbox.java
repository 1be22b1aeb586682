package io.stockade.sandboxer.controller;

import io.stockade.sandboxer.runtime.PodExit;
import io.stockade.sandboxer.runtime.RunningPod;
import io.stockade.sandboxer.store.SandboxRecord;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One pod as the sandboxer holds it: its record, and while started its runtime and connection.
 * Fields are written under {@link #lock} only; {@link #record} may be read without it (Status must
 * not wait behind a slow Start). {@link #exited} completes once, when the pod's runtime is gone.
 */
final class Sandbox {
    final String id;
    final ReentrantLock lock = new ReentrantLock();
    final CompletableFuture<PodExit> exited = new CompletableFuture<>();
    volatile SandboxRecord record;
    RunningPod pod;
    PodConnection connection;

    /**
     * Set once the pod was shut down or this sandboxer closed: late callbacks must not touch it
     * anymore.
     */
    boolean detached;

    Sandbox(SandboxRecord record) {
        this.id = record.id();
        this.record = record;
    }
}
