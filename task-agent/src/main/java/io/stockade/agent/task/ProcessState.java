package io.stockade.agent.task;

import containerd.v1.types.Task.Status;

/** Where a container init or exec process is in its life, as containerd's Task API reports it. */
enum ProcessState {
    /** Set up by the runtime, not yet started (an exec: added, not yet started). */
    CREATED(Status.CREATED),
    RUNNING(Status.RUNNING),
    PAUSED(Status.PAUSED),
    /** Exited; the exit status is known. */
    STOPPED(Status.STOPPED);

    private final Status proto;

    ProcessState(Status proto) {
        this.proto = proto;
    }

    Status toProto() {
        return proto;
    }
}
