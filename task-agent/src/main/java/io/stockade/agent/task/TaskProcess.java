package io.stockade.agent.task;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.stockade.agent.posix.ExitStatus;
import io.stockade.agent.stdio.ProcessStdio;

import java.util.concurrent.CompletableFuture;

/**
 * A container's init process or one of its exec processes: its state machine, pid, stdio and exit.
 * Transitions that are not allowed fail with FAILED_PRECONDITION naming the process and its state.
 */
final class TaskProcess {
    private final String containerId;
    private final String execId;
    private final IoRequest io;
    private final ProcessStdio stdio;
    private final CompletableFuture<ExitStatus> exited = new CompletableFuture<>();
    private ProcessState state = ProcessState.CREATED;
    private int pid;

    /** The stdio fields of the create/exec request, echoed back by State. */
    record IoRequest(String stdin, String stdout, String stderr, boolean terminal) {}

    TaskProcess(String containerId, String execId, IoRequest io, ProcessStdio stdio) {
        this.containerId = containerId;
        this.execId = execId;
        this.io = io;
        this.stdio = stdio;
    }

    String containerId() {
        return containerId;
    }

    /** Empty for the init process. */
    String execId() {
        return execId;
    }

    boolean isInit() {
        return execId.isEmpty();
    }

    IoRequest io() {
        return io;
    }

    ProcessStdio stdio() {
        return stdio;
    }

    synchronized ProcessState state() {
        return state;
    }

    synchronized int pid() {
        return pid;
    }

    synchronized void setPid(int pid) {
        this.pid = pid;
    }

    /** Completes once the process exited and its exit was recorded (and published). */
    CompletableFuture<ExitStatus> exited() {
        return exited;
    }

    /** The exit status, or null while the process has not exited. */
    ExitStatus exitStatus() {
        return exited.getNow(null);
    }

    /** CREATED → RUNNING. */
    synchronized void markStarted() {
        require(state == ProcessState.CREATED, "start");
        state = ProcessState.RUNNING;
    }

    /** Checks a start is allowed without changing state (the runtime call comes next). */
    synchronized void checkStartable() {
        require(state == ProcessState.CREATED, "start");
    }

    /** RUNNING → PAUSED. */
    synchronized void markPaused() {
        require(state == ProcessState.RUNNING, "pause");
        state = ProcessState.PAUSED;
    }

    /** PAUSED → RUNNING. */
    synchronized void markResumed() {
        require(state == ProcessState.PAUSED, "resume");
        state = ProcessState.RUNNING;
    }

    synchronized void checkPausable() {
        require(state == ProcessState.RUNNING, "pause");
    }

    synchronized void checkResumable() {
        require(state == ProcessState.PAUSED, "resume");
    }

    /**
     * Any state → STOPPED; only the first exit counts. Returns false if the exit was already
     * recorded.
     */
    synchronized boolean markExited() {
        if (state == ProcessState.STOPPED) {
            return false;
        }
        state = ProcessState.STOPPED;
        return true;
    }

    /** Makes {@link #exited()} complete; called after the exit event went out. */
    void completeExit(ExitStatus exit) {
        exited.complete(exit);
    }

    /** Delete is allowed for a process that never started or has exited. */
    synchronized void checkDeletable() {
        require(state == ProcessState.CREATED || state == ProcessState.STOPPED, "delete");
    }

    /** Signals go to a process that exists: not to one that has exited. */
    synchronized void checkSignalable() {
        if (state == ProcessState.STOPPED) {
            throw Status.NOT_FOUND
                    .withDescription(describe() + ": process already finished")
                    .asRuntimeException();
        }
    }

    String describe() {
        return isInit() ? "task " + containerId : "exec " + execId + " of task " + containerId;
    }

    private void require(boolean allowed, String action) {
        if (!allowed) {
            throw failedPrecondition(
                    "cannot "
                            + action
                            + " "
                            + describe()
                            + ": it is "
                            + state.name().toLowerCase());
        }
    }

    private static StatusRuntimeException failedPrecondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }
}
