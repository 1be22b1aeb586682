package io.stockade.agent.stdio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StdioHeaderTest {

    @Test
    void parsesInitAndExecStreams() {
        assertEquals(
                new StdioHeader("c1", "", StdioStream.STDOUT),
                StdioHeader.parse("STDIO c1 - stdout"));
        assertEquals(
                new StdioHeader("c1", "e7", StdioStream.STDIN),
                StdioHeader.parse("STDIO c1 e7 stdin"));
        assertEquals(
                new StdioHeader("c1", "e7", StdioStream.STDERR),
                StdioHeader.parse("STDIO c1 e7 stderr"));
    }

    @Test
    void writesTheLineItParses() {
        StdioHeader header = new StdioHeader("pod-a", "", StdioStream.STDERR);
        assertEquals("STDIO pod-a - stderr\n", header.toLine());
        assertEquals(header, StdioHeader.parse(header.toLine().stripTrailing()));
    }

    @Test
    void rejectsMalformedHeadersNamingTheProblem() {
        assertTrue(reject("GET / HTTP/1.1").contains("expected 'STDIO"));
        assertTrue(reject("STDIO c1 stdout").contains("expected 'STDIO"));
        assertTrue(reject("STDIO c1 - stdout extra").contains("expected 'STDIO"));
        assertTrue(reject("STDIO  - stdout").contains("empty container or exec id"));
        assertTrue(reject("STDIO c1 - stdpipe").contains("unknown stream 'stdpipe'"));
        assertTrue(
                reject("STDIO c1 - stdout\u0001").contains("\\x01"),
                "control characters are escaped");
    }

    private static String reject(String line) {
        return assertThrows(IllegalArgumentException.class, () -> StdioHeader.parse(line))
                .getMessage();
    }
}
