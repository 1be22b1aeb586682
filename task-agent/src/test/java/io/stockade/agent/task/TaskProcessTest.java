package io.stockade.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import org.junit.jupiter.api.Test;

class TaskProcessTest {
    private final TaskProcess init =
            new TaskProcess("c1", "", new TaskProcess.IoRequest("", "", "", false), null);

    private static Status.Code codeOf(Runnable transition) {
        return assertThrows(StatusRuntimeException.class, transition::run).getStatus().getCode();
    }

    @Test
    void runsThroughCreatedRunningPausedStopped() {
        assertEquals(ProcessState.CREATED, init.state());
        init.markStarted();
        assertEquals(ProcessState.RUNNING, init.state());
        init.markPaused();
        assertEquals(ProcessState.PAUSED, init.state());
        init.markResumed();
        assertTrue(init.markExited());
        assertEquals(ProcessState.STOPPED, init.state());
        assertEquals(containerd.v1.types.Task.Status.STOPPED, init.state().toProto());
    }

    @Test
    void startingTwiceIsAFailedPrecondition() {
        init.markStarted();
        StatusRuntimeException error =
                assertThrows(StatusRuntimeException.class, init::markStarted);
        assertEquals(Status.Code.FAILED_PRECONDITION, error.getStatus().getCode());
        assertEquals("cannot start task c1: it is running", error.getStatus().getDescription());
    }

    @Test
    void deleteIsOnlyAllowedBeforeStartOrAfterExit() {
        init.checkDeletable();
        init.markStarted();
        assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(init::checkDeletable));
        init.markPaused();
        assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(init::checkDeletable));
        init.markExited();
        init.checkDeletable();
    }

    @Test
    void pauseAndResumeNeedTheRightState() {
        assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(init::markPaused));
        init.markStarted();
        assertEquals(Status.Code.FAILED_PRECONDITION, codeOf(init::markResumed));
    }

    @Test
    void onlyTheFirstExitCountsAndSignalsToAnExitedProcessAreNotFound() {
        init.markStarted();
        assertTrue(init.markExited());
        assertFalse(init.markExited());
        assertEquals(Status.Code.NOT_FOUND, codeOf(init::checkSignalable));
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                codeOf(init::markStarted),
                "an exited process cannot start");
    }

    @Test
    void execsDescribeThemselvesWithBothIds() {
        TaskProcess exec =
                new TaskProcess("c1", "e1", new TaskProcess.IoRequest("", "", "", false), null);
        assertFalse(exec.isInit());
        exec.markStarted();
        assertEquals(
                "cannot start exec e1 of task c1: it is running",
                assertThrows(StatusRuntimeException.class, exec::markStarted)
                        .getStatus()
                        .getDescription());
    }
}
