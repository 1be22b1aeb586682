package io.stockade.agent.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.stockade.proto.agent.v1.GuestMetricsResponse;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

class GuestMetricsReaderTest {

    @Test
    void parsesMeminfoStatAndLoadavg() {
        GuestMetricsResponse metrics =
                GuestMetricsReader.parse(
                        """
        MemTotal:         507264 kB
        MemFree:          400000 kB
        MemAvailable:     450000 kB
        """,
                        """
        cpu  100 5 50 9000 10 0 3 0 0 0
        cpu0 100 5 50 9000 10 0 3 0 0 0
        intr 12345
        """,
                        "0.25 0.10 0.05 1/80 321\n");
        assertEquals(507264L * 1024, metrics.getMemoryTotalBytes());
        assertEquals(450000L * 1024, metrics.getMemoryAvailableBytes());
        assertEquals(
                155L * 10_000_000L,
                metrics.getCpuUsageNs(),
                "user + nice + system ticks at 100 Hz");
        assertEquals(0.25, metrics.getLoadAverage1M());
        assertEquals(0.05, metrics.getLoadAverage15M());
    }

    @Test
    void malformedProcFilesAreClearErrors() {
        IllegalStateException noCpu =
                assertThrows(
                        IllegalStateException.class,
                        () -> GuestMetricsReader.parse("MemTotal: 1 kB\n", "intr 1\n", "0 0 0\n"));
        assertTrue(noCpu.getMessage().contains("cpu"), noCpu.getMessage());
        assertThrows(
                IllegalStateException.class,
                () -> GuestMetricsReader.parse("MemTotal: lots kB\n", "cpu 1 2 3\n", "0 0 0\n"));
        assertThrows(
                IllegalStateException.class,
                () -> GuestMetricsReader.parse("MemTotal: 1 kB\n", "cpu 1 2 3\n", "high\n"));
    }

    @Test
    void readsThisMachinesProc() {
        GuestMetricsResponse metrics = new GuestMetricsReader(Path.of("/proc")).read();
        assertTrue(metrics.getMemoryTotalBytes() > 0);
        assertTrue(metrics.getCpuUsageNs() > 0);
    }
}
