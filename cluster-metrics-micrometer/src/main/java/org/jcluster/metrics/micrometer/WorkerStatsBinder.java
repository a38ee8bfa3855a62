package org.jcluster.metrics.micrometer;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.jcluster.api.Cluster;
import org.jcluster.metrics.micrometer.ClusterScraper.Collected;
import org.jcluster.metrics.micrometer.ClusterScraper.Series;
import org.jcluster.metrics.micrometer.JclusterFigures.Figure;
import org.jcluster.supervisor.Supervisor;

/**
 * Primary side, for a primary with a Micrometer registry of its own: jcluster's per-worker figures
 * ({@link Cluster#workers()}' {@code stats()}: messages, bytes, connections, memory, heap, GC, CPU, and the
 * supervisor's restarts) as meters of that registry, tagged {@code worker}, read from all workers every
 * {@code interval} on a thread of its own. The meters and their values are those of {@link ClusterScraper}'s
 * {@code jcluster_*} series: under a supervisor the tag is the slot and the counters continue across
 * replacements; without one it is the worker id, and a worker's meters are removed once it is gone.
 *
 * <pre>{@code
 * WorkerStatsBinder.of(supervisor, Duration.ofSeconds(5)).bindTo(registry);
 * }</pre>
 *
 * The workers' own meters are not bound here: they are in the workers' registries, which
 * {@link ClusterScraper} reads.
 */
public final class WorkerStatsBinder implements MeterBinder, AutoCloseable {
    /** The longest a worker is waited for at each refresh. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private record MeterKey(Figure figure, int label) {
    }

    private final ClusterScraper scraper;
    private final Duration interval;
    private final Duration wait;
    /** Read by the meters' functions from the registry's threads, written at each refresh. */
    private final Map<MeterKey, Double> values = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jcluster-worker-stats-binder");
        t.setDaemon(true);
        return t;
    });
    // guarded by this
    private final Map<MeterKey, Meter> meters = new HashMap<>();
    private MeterRegistry registry;

    private WorkerStatsBinder(ClusterScraper scraper, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("refresh interval " + interval + ": give a positive duration, e.g. 5s");
        }
        this.scraper = scraper;
        this.interval = interval;
        this.wait = interval.compareTo(MAX_WAIT) < 0 ? interval : MAX_WAIT;
    }

    /** The figures of {@code cluster}'s workers, tagged with their ids, read every {@code interval}. */
    public static WorkerStatsBinder of(Cluster cluster, Duration interval) {
        return new WorkerStatsBinder(ClusterScraper.of(cluster), Objects.requireNonNull(interval, "interval"));
    }

    /** The figures of the workers {@code supervisor} keeps, tagged with their slots, read every {@code interval}. */
    public static WorkerStatsBinder of(Supervisor supervisor, Duration interval) {
        return new WorkerStatsBinder(ClusterScraper.of(supervisor), Objects.requireNonNull(interval, "interval"));
    }

    /** Registers the cluster-wide meters and starts the refreshes, which add each worker's as it appears. */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (this.registry != null) {
            throw new IllegalStateException("this WorkerStatsBinder is bound to a registry already: create one per registry");
        }
        this.registry = registry;
        // Not the scrape's error count: the binder asks the workers for nothing that can go unanswered.
        register(new MeterKey(JclusterFigures.WORKERS, 0));
        timer.scheduleWithFixedDelay(this::refreshAndWait, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the refreshes and removes the meters it registered. */
    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (registry != null) {
            meters.values().forEach(registry::remove);
            meters.clear();
        }
    }

    /** One refresh now; completes once the meters hold the figures read. */
    CompletableFuture<Void> refresh() {
        return scraper.collect(wait, false).thenAccept(this::update);
    }

    private void refreshAndWait() {
        try {
            refresh().get(wait.toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            // The supervisor did not answer in time: the meters keep their last figures until the next refresh.
        }
    }

    private synchronized void update(Collected collected) {
        if (registry == null || timer.isShutdown()) {
            return;
        }
        values.put(new MeterKey(JclusterFigures.WORKERS, 0), (double) collected.workers());
        Set<Integer> labels = new HashSet<>();
        for (Series s : collected.series()) {
            Figure figure = JclusterFigures.byFamily(s.point().family());
            if (figure == null || figure == JclusterFigures.INFO) {
                continue; // the program's meters are the workers' own; the info series is one per worker
            }
            MeterKey key = new MeterKey(figure, s.label());
            values.put(key, s.point().value());
            labels.add(s.label());
            if (!meters.containsKey(key)) {
                register(key);
            }
        }
        // A label with no series any more is a worker gone (without a supervisor; slots stay): its meters too.
        meters.entrySet().removeIf(e -> {
            MeterKey key = e.getKey();
            if (key.label() == 0 || labels.contains(key.label())) {
                return false;
            }
            registry.remove(e.getValue());
            values.remove(key);
            return true;
        });
    }

    private void register(MeterKey key) {
        Figure f = key.figure();
        Meter meter;
        if (f.type() == Exposition.Type.COUNTER) {
            FunctionCounter.Builder<Map<MeterKey, Double>> b = FunctionCounter
                    .builder(f.meterName(), values, v -> v.getOrDefault(key, Double.NaN))
                    .description(f.help()).baseUnit(f.baseUnit());
            meter = (key.label() == 0 ? b : b.tag("worker", Integer.toString(key.label()))).register(registry);
        } else {
            Gauge.Builder<Map<MeterKey, Double>> b = Gauge
                    .builder(f.meterName(), values, v -> v.getOrDefault(key, Double.NaN))
                    .description(f.help()).baseUnit(f.baseUnit());
            meter = (key.label() == 0 ? b : b.tag("worker", Integer.toString(key.label()))).register(registry);
        }
        meters.put(key, meter);
    }
}
