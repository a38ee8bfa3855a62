package org.jcluster.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Durations counted into fixed buckets: the shape Prometheus and Micrometer histograms take, so a scrape
 * can expose it as it is, and two snapshots can be subtracted.
 *
 * @param upperBounds each bucket's inclusive upper bound, ascending
 * @param counts how many fell into each bucket (not cumulative): one more than {@code upperBounds}, the
 *     last counting those above the last bound
 * @param sum the total of every duration counted
 */
public record LatencyHistogram(List<Duration> upperBounds, List<Long> counts, Duration sum) {
    public LatencyHistogram {
        upperBounds = List.copyOf(upperBounds);
        counts = List.copyOf(counts);
        Objects.requireNonNull(sum, "sum");
        if (counts.size() != upperBounds.size() + 1) {
            throw new IllegalArgumentException("a histogram with " + upperBounds.size() + " bounds has "
                    + (upperBounds.size() + 1) + " counts (the last for those above every bound), not " + counts.size());
        }
    }

    /** How many durations were counted. */
    public long count() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /**
     * The upper bound of the bucket holding the {@code quantile} (0 to 1) of the durations counted: a
     * figure no smaller than the true one and at most one bucket above it. Empty when nothing was counted,
     * or when it lies above the last bound.
     */
    public Optional<Duration> atMost(double quantile) {
        if (!(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("a quantile is between 0 and 1, not " + quantile);
        }
        long total = count();
        if (total == 0) {
            return Optional.empty();
        }
        long rank = Math.max(1, (long) Math.ceil(quantile * total));
        long seen = 0;
        for (int i = 0; i < upperBounds.size(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Optional.of(upperBounds.get(i));
            }
        }
        return Optional.empty();
    }
}
