package io.stockade.sandboxer.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.util.Map;

class StdioPathsTest {
    @Test
    void emptyPathsAreStreamsNobodyWants() {
        StdioPaths paths = new StdioPaths("", "/run/fifo/out", null).validate();
        assertEquals(Map.of(StdioStream.STDOUT, "/run/fifo/out"), paths.requested());
    }

    @Test
    void uriAndRelativePathsAreRejectedNamingTheStream() {
        assertEquals(
                "stdout 'binary:///usr/bin/logger?x=1' is a URI; only host FIFO paths are supported "
                        + "(io_type = \"fifo\")",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        new StdioPaths("", "binary:///usr/bin/logger?x=1", "")
                                                .validate())
                        .getMessage());
        assertEquals(
                "stdin 'fifo/in' is not an absolute path",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> new StdioPaths("fifo/in", "", "").validate())
                        .getMessage());
    }
}
