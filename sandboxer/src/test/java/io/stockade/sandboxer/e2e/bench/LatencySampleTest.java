package io.stockade.sandboxer.e2e.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import java.time.Duration;

class LatencySampleTest {

    @Test
    void quantilesAreNearestRankOverTheSortedValues() {
        LatencySample sample = new LatencySample();
        for (int ms : new int[] {50, 10, 40, 20, 30}) {
            sample.add(Duration.ofMillis(ms));
        }
        assertEquals(Duration.ofMillis(30), sample.median());
        assertEquals(Duration.ofMillis(50), sample.quantile(0.9));
        assertEquals(Duration.ofMillis(10), sample.quantile(0.0));
        assertEquals(5, sample.count());
    }

    @Test
    void anEmptySampleHasNoQuantiles() {
        assertThrows(IllegalStateException.class, () -> new LatencySample().median());
    }
}
