package org.jcluster.metrics.micrometer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
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
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.jcluster.api.Cluster;
import org.jcluster.metrics.micrometer.ClusterScraper.Collected;
import org.jcluster.metrics.micrometer.ClusterScraper.Series;
import org.jcluster.metrics.micrometer.JclusterFigures.Figure;
import org.jcluster.supervisor.Supervisor;

/**
 * Primary side, for a primary with a Micrometer registry of its own: jcluster's figures
 * ({@link Cluster#stats}: each worker's messages, bytes, connections, memory, heap, GC, CPU, and the
 * supervisor's restarts, tagged {@code worker}; each shared server's connections, dispatch queue and
 * hand-off time, tagged {@code server}) as meters of that registry, read every {@code interval} on a
 * thread of its own. The meters and their values are those of {@link ClusterScraper}'s {@code jcluster_*}
 * series: under a supervisor the worker tag is the slot and the counters continue across replacements;
 * without one it is the worker id, and a worker's meters are removed once it is gone. The hand-off time is
 * a {@code FunctionTimer} (count and total; the scrape has its buckets).
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

    /** One meter: a figure, its worker label (0: the cluster's), its other tags (a server). */
    private record MeterKey(Figure figure, int label, Map<String, String> tags) {
    }

    /** One value a meter reads: a histogram's meter reads two (count and sum). */
    private record ValueKey(MeterKey meter, String sample) {
    }

    private final ClusterScraper scraper;
    private final Duration interval;
    private final Duration wait;
    /** Read by the meters' functions from the registry's threads, written at each refresh. */
    private final Map<ValueKey, Double> values = new ConcurrentHashMap<>();
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
        register(new MeterKey(JclusterFigures.WORKERS, 0, Map.of()));
        timer.scheduleWithFixedDelay(this::refreshAndWait, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the refreshes and removes the meters it registered. */
    @Override
    public synchronized void close() {
        timer.shutdownNow();
        scraper.close();
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
        MeterKey workers = new MeterKey(JclusterFigures.WORKERS, 0, Map.of());
        values.put(new ValueKey(workers, workers.figure().family()), (double) collected.workers());
        Set<MeterKey> present = new HashSet<>(Set.of(workers));
        for (Series s : collected.series()) {
            Figure figure = JclusterFigures.byFamily(s.point().family());
            if (figure == null || figure == JclusterFigures.INFO || s.point().sample().endsWith("_bucket")) {
                // The program's meters are the workers' own; the info series is one per worker; Micrometer
                // keeps a histogram's buckets itself, so the binder carries count and sum (a FunctionTimer).
                continue;
            }
            MeterKey key = new MeterKey(figure, s.label(), s.point().labels());
            values.put(new ValueKey(key, s.point().sample()), s.point().value());
            present.add(key);
            if (!meters.containsKey(key)) {
                register(key);
            }
        }
        // Gone: a worker's meters once its label has no series (a worker gone without a supervisor; slots
        // stay), a server's once it has none (it closed).
        meters.entrySet().removeIf(e -> {
            MeterKey key = e.getKey();
            if (present.contains(key) || key.label() != ClusterScraper.CLUSTER_WIDE && hasLabel(present, key.label())) {
                return false;
            }
            registry.remove(e.getValue());
            values.keySet().removeIf(v -> v.meter().equals(key));
            return true;
        });
    }

    private static boolean hasLabel(Set<MeterKey> present, int label) {
        return present.stream().anyMatch(k -> k.label() == label);
    }

    private void register(MeterKey key) {
        Figure f = key.figure();
        List<Tag> tags = new ArrayList<>();
        if (key.label() != ClusterScraper.CLUSTER_WIDE) {
            tags.add(Tag.of("worker", Integer.toString(key.label())));
        }
        key.tags().forEach((k, v) -> tags.add(Tag.of(k, v)));
        ValueKey value = new ValueKey(key, f.family());
        Meter meter = switch (f.type()) {
            case COUNTER -> FunctionCounter.builder(f.meterName(), values, v -> v.getOrDefault(value, Double.NaN))
                    .description(f.help()).baseUnit(f.baseUnit()).tags(tags).register(registry);
            case HISTOGRAM -> {
                ValueKey count = new ValueKey(key, f.family() + "_count");
                ValueKey sum = new ValueKey(key, f.family() + "_sum");
                yield FunctionTimer.builder(f.meterName(), values, v -> v.getOrDefault(count, 0.0).longValue(),
                        v -> v.getOrDefault(sum, 0.0), TimeUnit.SECONDS).description(f.help()).tags(tags).register(registry);
            }
            default -> Gauge.builder(f.meterName(), values, v -> v.getOrDefault(value, Double.NaN))
                    .description(f.help()).baseUnit(f.baseUnit()).tags(tags).register(registry);
        };
        meters.put(key, meter);
    }
}
