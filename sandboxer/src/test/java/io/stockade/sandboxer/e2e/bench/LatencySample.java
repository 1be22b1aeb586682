package io.stockade.sandboxer.e2e.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Measured durations of one operation, summarized by order statistics (no mean: start-up has a long tail). */
final class LatencySample {
    private final List<Duration> values = new ArrayList<>();

    void add(Duration value) {
        values.add(value);
    }

    int count() {
        return values.size();
    }

    /** The value at quantile {@code q} (0..1), nearest-rank. */
    Duration quantile(double q) {
        if (values.isEmpty()) {
            throw new IllegalStateException("no measurements");
        }
        List<Duration> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    Duration median() {
        return quantile(0.5);
    }
}
