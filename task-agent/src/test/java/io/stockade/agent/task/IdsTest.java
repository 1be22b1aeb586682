package io.stockade.agent.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void acceptsContainerdStyleIds() {
        assertEquals("a1b2c3", Ids.requireValid("task id", "a1b2c3"));
        assertEquals("pod_1.sandbox-x+y", Ids.requireValid("task id", "pod_1.sandbox-x+y"));
    }

    @Test
    void rejectsIdsThatCouldEscapeTheStateDirectory() {
        for (String bad :
                new String[] {"", "../x", "a/b", ".hidden", "-flag", "a b", "x".repeat(129)}) {
            StatusRuntimeException error =
                    assertThrows(
                            StatusRuntimeException.class, () -> Ids.requireValid("exec id", bad));
            assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), bad);
        }
    }
}
