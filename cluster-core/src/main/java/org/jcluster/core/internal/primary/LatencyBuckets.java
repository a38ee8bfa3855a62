package org.jcluster.core.internal.primary;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import org.jcluster.api.LatencyHistogram;

/**
 * Durations counted into fixed buckets, from any thread, read as a {@link LatencyHistogram}. The bounds
 * span a hand-off on an idle machine (tens of microseconds) to a worker that stalls for seconds.
 */
final class LatencyBuckets {
    private static final long[] UPPER_BOUNDS_NANOS = {
        10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000, 2_500_000_000L, 5_000_000_000L, 10_000_000_000L};
    private static final List<Duration> UPPER_BOUNDS = bounds();

    private final AtomicLongArray counts = new AtomicLongArray(UPPER_BOUNDS_NANOS.length + 1);
    private final AtomicLong sumNanos = new AtomicLong();

    void record(long nanos) {
        int bucket = 0;
        while (bucket < UPPER_BOUNDS_NANOS.length && nanos > UPPER_BOUNDS_NANOS[bucket]) {
            bucket++;
        }
        counts.incrementAndGet(bucket);
        sumNanos.addAndGet(nanos);
    }

    LatencyHistogram snapshot() {
        List<Long> now = new ArrayList<>(counts.length());
        for (int i = 0; i < counts.length(); i++) {
            now.add(counts.get(i));
        }
        return new LatencyHistogram(UPPER_BOUNDS, now, Duration.ofNanos(sumNanos.get()));
    }

    /** Nothing counted: a server whose primary does not accept. */
    static LatencyHistogram empty() {
        return new LatencyBuckets().snapshot();
    }

    private static List<Duration> bounds() {
        List<Duration> bounds = new ArrayList<>();
        for (long nanos : UPPER_BOUNDS_NANOS) {
            bounds.add(Duration.ofNanos(nanos));
        }
        return List.copyOf(bounds);
    }
}
