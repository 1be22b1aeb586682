package io.stockade.agent.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RuntimeLogTest {

    @Test
    void keepsOnlyErrorMessagesFromJsonLines() {
        String log =
                """
        {"level":"info","msg":"starting","time":"t"}
        {"level":"error","msg":"container does not exist","time":"t"}
        {"level":"fatal","msg":"exit status 1","time":"t"}
        """;
        assertEquals("container does not exist; exit status 1", RuntimeLog.errors(log));
    }

    @Test
    void fallsBackToRawTextForOtherRuntimes() {
        assertEquals("crun: oops", RuntimeLog.errors("crun: oops\n"));
        assertEquals("", RuntimeLog.errors(""));
    }
}
