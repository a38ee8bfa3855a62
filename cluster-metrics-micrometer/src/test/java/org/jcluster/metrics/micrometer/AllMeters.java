package org.jcluster.metrics.micrometer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;

/**
 * One meter of every kind Micrometer has, with known values, registered the same way in a worker's registry
 * and in the test's Prometheus registry: the exposition must name them as Micrometer's Prometheus registry
 * does.
 */
final class AllMeters {
    /** The counter the tests increment: its tag value holds every character the format escapes. */
    static final String COUNTER = "test.requests";
    static final String AWKWARD_PATH = "/a\"b\\c\nd";
    /** Function meters hold their object weakly: these keep theirs. */
    private static final AtomicLong EVICTIONS = new AtomicLong(9);
    private static final AtomicLong LOADS = new AtomicLong(4);

    private AllMeters() {
    }

    static Counter register(MeterRegistry r) {
        Counter requests = Counter.builder(COUNTER).description("Requests answered, \"all\" of them\\\nsee docs")
                .tag("path", AWKWARD_PATH).register(r);
        Timer.builder("test.latency").tag("uri", "/").register(r).record(Duration.ofMillis(1500));
        DistributionSummary.builder("test.payload").baseUnit("bytes").register(r).record(100);
        // Histograms: buckets at service level objectives (a registry that aggregates percentiles, such as
        // Prometheus's, adds its percentile buckets; a SimpleMeterRegistry keeps the objectives' only).
        Timer.builder("test.histogram").publishPercentileHistogram().serviceLevelObjectives(Duration.ofMillis(10),
                Duration.ofMillis(100)).minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(1))
                .register(r).record(Duration.ofMillis(20));
        DistributionSummary.builder("test.sizes").serviceLevelObjectives(10, 100).register(r).record(50);
        Gauge.builder("test.queue", () -> 3).register(r);
        Gauge.builder("test.unknown", () -> Double.NaN).register(r);
        TimeGauge.builder("test.age", () -> 2500, TimeUnit.MILLISECONDS).register(r);
        FunctionCounter.builder("test.evictions", EVICTIONS, AtomicLong::get).register(r);
        FunctionTimer.builder("test.cache.loads", LOADS, AtomicLong::get, l -> 2000, TimeUnit.MILLISECONDS).register(r);
        LongTaskTimer.builder("test.jobs").register(r).start();
        Meter.builder("test.custom", Meter.Type.OTHER, List.of(new Measurement(() -> 5, Statistic.TOTAL),
                new Measurement(() -> 6, Statistic.COUNT), new Measurement(() -> 7, Statistic.VALUE))).register(r);
        // A tag named like the scrape's own label.
        Counter.builder("test.tagged").tag("worker", "mine").register(r).increment(2);
        return requests;
    }
}
