package org.jcluster.metrics.micrometer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jcluster.api.Cluster;
import org.jcluster.api.Registration;
import org.jcluster.api.ClusterStats;
import org.jcluster.api.ServerStats;
import org.jcluster.api.Worker;
import org.jcluster.api.WorkerState;
import org.jcluster.api.WorkerStats;
import org.jcluster.metrics.micrometer.Exposition.Sample;
import org.jcluster.metrics.micrometer.Exposition.Type;
import org.jcluster.supervisor.Leaving;
import org.jcluster.supervisor.SupervisedWorker;
import org.jcluster.supervisor.Supervisor;
import org.jcluster.supervisor.SupervisorEvent;

/**
 * Primary side: scrapes the whole cluster into one Prometheus text exposition (format 0.0.4). Each scrape
 * asks every worker for its meters ({@link WorkerMeters#TOPIC}) and takes the cluster's {@link Cluster#stats},
 * all at once and within one timeout, and renders the workers' meters, named as Micrometer's Prometheus registry
 * names them, with a {@code worker} label, beside jcluster's own per-worker figures
 * ({@code jcluster_worker_*}).
 *
 * <p><b>The {@code worker} label.</b> Under a {@link Supervisor} ({@link #of(Supervisor)}) it is the slot,
 * from 1, which a replacement takes over (reload, recycle, respawn), and every cumulative series (counters,
 * and the count and sum of timers and summaries) continues across replacements: the scrape adds to the
 * slot's present worker the last values it saw of the workers that held the slot before, so that
 * {@code rate()} sees no reset. A worker the supervisor replaces is looked at once more as it is told to
 * leave ({@link SupervisorEvent#LEAVING}), so that what it counted since the last scrape is kept too; only a
 * worker that dies unasked (a crash, a kill) loses what it counted after the last look. Make one scraper per
 * supervisor and keep it: it listens to the supervisor for those last looks until {@link #close()}.
 * Without a supervisor ({@link #of(Cluster)}) the label is the worker id, and a replacement is a new series,
 * as for any restarted process.
 *
 * <p>Each shared server's figures ({@link Cluster#stats}: the primary's accepts, its dispatch queue and
 * hand-off histogram under rr) have a {@code server} label and no worker label.
 *
 * <p>A worker that does not answer within the timeout is left out of that scrape (its meters, not the
 * figures the primary has of it), which says so in a comment line and in
 * {@code jcluster_scrape_worker_errors}; it never fails the scrape. Scrapes may come from any thread at
 * once; they run one after the other.
 */
public final class ClusterScraper implements AutoCloseable {
    /** The exposition's media type, for an HTTP answer's {@code Content-Type}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Where a series comes from: its answer can fail while the other's does not. */
    enum Source { METERS, STATS }

    /** One series of one worker, without its worker label. */
    record Point(Source source, String family, Type type, String help, String sample,
            Map<String, String> labels, double value, boolean cumulative) {
        Key key() {
            return new Key(source, family, type, sample, labels);
        }

        Point withValue(double v) {
            return new Point(source, family, type, help, sample, labels, v, cumulative);
        }
    }

    private record Key(Source source, String family, Type type, String sample, Map<String, String> labels) {
    }

    /** A label's cumulative series: what its departed workers left, and the last values of those still here. */
    private static final class Slot {
        final Map<Key, Point> departed = new HashMap<>();
        final Map<Integer, Map<Key, Point>> lastOfWorker = new LinkedHashMap<>();
    }

    /** One worker asked in one scrape. */
    private record Target(int label, Worker worker, boolean current, CompletableFuture<Object> meters,
            CompletableFuture<WorkerStats> stats) {
    }

    private final Cluster cluster;
    private final Supervisor supervisor;
    // guarded by this
    private final Map<Integer, Slot> slots = new HashMap<>();
    /** How long a replaced worker has to answer its last look. */
    private static final Duration LAST_LOOK_TIMEOUT = Duration.ofSeconds(2);
    /** The collect in flight, or the last one: the next starts when it ends. */
    private CompletableFuture<?> previous = CompletableFuture.completedFuture(null);
    /** Supervised: the slot label of each worker seen in a slot, kept while it lives (it may still be draining). */
    private final Map<Integer, Integer> labelOfWorker = new HashMap<>();
    /** Workers whose last values went to their slot for good: a late answer of theirs must not count twice. */
    private final Set<Integer> departedWorkers = new HashSet<>();
    /** Whether scrapes ask for the workers' meters (a binder's collects do not): the last look asks as they do. */
    private volatile boolean scrapesMeters;
    /** The last looks' listener on the supervisor; null without one. */
    private final Registration lastLooks;

    private ClusterScraper(Cluster cluster, Supervisor supervisor) {
        if (!cluster.isPrimary()) {
            throw new IllegalStateException("ClusterScraper is the primary's; in a worker, share its meters with"
                    + " WorkerMeters.share(cluster, registry)");
        }
        this.cluster = cluster;
        this.supervisor = supervisor;
        this.lastLooks = supervisor == null ? null : supervisor.on(SupervisorEvent.LEAVING, this::lastLook);
    }

    /** Stops listening to the supervisor (its last looks at replaced workers); scrapes still answer. */
    @Override
    public void close() {
        if (lastLooks != null) {
            lastLooks.remove();
        }
    }

    /** Scrapes the workers of {@code cluster}, labelled by worker id. */
    public static ClusterScraper of(Cluster cluster) {
        return new ClusterScraper(Objects.requireNonNull(cluster, "cluster"), null);
    }

    /** Scrapes the workers {@code supervisor} keeps, labelled by slot, counters continuing across replacements. */
    public static ClusterScraper of(Supervisor supervisor) {
        return new ClusterScraper(Objects.requireNonNull(supervisor, "supervisor").cluster(), supervisor);
    }

    /**
     * One exposition of the whole cluster now.
     *
     * @param timeout how long each worker has to answer; those that do not are left out
     * @return completes with the text (on a jcluster thread), or exceptionally when the supervisor did not
     *     say which workers it keeps within the timeout
     */
    public CompletableFuture<String> scrape(Duration timeout) {
        return collect(timeout, true).thenApply(ClusterScraper::render);
    }

    /** Every series of the cluster now, each with its label, and what the scrape has to say. */
    record Collected(List<Series> series, List<String> comments, int workers, int errors) {
    }

    /** One series of one worker label, or of the whole cluster ({@link #CLUSTER_WIDE}: no worker label). */
    record Series(int label, Point point) {
    }

    /** The label of the series that belong to no worker (worker ids and slots count from 1). */
    static final int CLUSTER_WIDE = 0;

    /**
     * The series of the cluster now, the carry-over of earlier workers included.
     *
     * @param withMeters false: jcluster's own figures only, without asking the workers for their meters
     */
    CompletableFuture<Collected> collect(Duration timeout, boolean withMeters) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("scrape timeout " + timeout + ": give a positive duration, e.g. 2s");
        }
        if (withMeters) {
            scrapesMeters = true;
        }
        // One at a time: two collects around a replacement would both carry the replaced worker's counts over.
        synchronized (this) {
            CompletableFuture<Collected> next = previous.handle((ignored, failure) -> null)
                    .thenCompose(ignored -> collectNow(timeout, withMeters));
            previous = next;
            return next;
        }
    }

    private CompletableFuture<Collected> collectNow(Duration timeout, boolean withMeters) {
        CompletableFuture<List<SupervisedWorker>> positions = supervisor == null
                ? CompletableFuture.completedFuture(null)
                : supervisor.workers().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return positions.thenCompose(kept -> {
            // The workers' figures and the servers' in one snapshot: one ping per worker.
            CompletableFuture<ClusterStats> snapshot = cluster.stats(timeout).orTimeout(guardMillis(timeout), TimeUnit.MILLISECONDS);
            List<Target> targets = targets(kept, timeout, withMeters, snapshot);
            List<CompletableFuture<?>> answers = new ArrayList<>();
            answers.add(snapshot);
            for (Target t : targets) {
                answers.add(t.meters);
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .handle((ignored, failure) -> combine(kept, targets, snapshot));
        });
    }

    /** The workers' own timeouts end the asks; the margin only guards against an answer that never comes. */
    private static long guardMillis(Duration timeout) {
        return timeout.toMillis() + 1000;
    }

    private List<Target> targets(List<SupervisedWorker> kept, Duration timeout, boolean withMeters,
            CompletableFuture<ClusterStats> snapshot) {
        List<Target> targets = new ArrayList<>();
        if (kept == null) {
            for (Worker w : cluster.workers().values()) {
                if (answers(w)) {
                    targets.add(ask(w.id(), w, true, timeout, withMeters, statsOf(w, snapshot)));
                }
            }
            return targets;
        }
        Set<Integer> current = new HashSet<>();
        for (SupervisedWorker position : kept) {
            Optional<Worker> w = position.worker();
            if (w.isPresent() && answers(w.get())) {
                targets.add(ask(position.slot() + 1, w.get(), true, timeout, withMeters, statsOf(w.get(), snapshot)));
                current.add(w.get().id());
            }
        }
        // Workers that left their slot and are still draining: what they count meanwhile is the slot's too.
        Map<Integer, Integer> earlier;
        synchronized (this) {
            earlier = new HashMap<>(labelOfWorker);
        }
        earlier.forEach((id, label) -> {
            Worker w = cluster.workers().get(id);
            if (w != null && answers(w) && !current.contains(id)) {
                targets.add(ask(label, w, false, timeout, withMeters, statsOf(w, snapshot)));
            }
        });
        return targets;
    }

    /** A worker killed by a signal can be seen exiting before its channel is seen closing: it answers nothing. */
    private static boolean answers(Worker w) {
        return w.isConnected() && w.state() != WorkerState.DEAD;
    }

    private static Target ask(int label, Worker worker, boolean current, Duration timeout, boolean withMeters,
            CompletableFuture<WorkerStats> stats) {
        return new Target(label, worker, current,
                withMeters ? worker.ask(WorkerMeters.TOPIC, timeout).orTimeout(guardMillis(timeout), TimeUnit.MILLISECONDS)
                        : CompletableFuture.completedFuture(List.of()),
                stats);
    }

    private static CompletableFuture<WorkerStats> statsOf(Worker worker, CompletableFuture<ClusterStats> snapshot) {
        return snapshot.thenApply(s -> s.workers().stream().filter(w -> w.id() == worker.id()).findFirst()
                .orElseThrow(() -> new IllegalStateException("worker " + worker.id() + " left")));
    }

    /**
     * A worker the supervisor replaced, just before it is told to leave: what it counted since the last scrape
     * is kept for its slot (its answers arrive before its channel closes).
     */
    private void lastLook(Leaving leaving) {
        Worker w = leaving.worker();
        Target t = ask(leaving.slot() + 1, w, false, LAST_LOOK_TIMEOUT, scrapesMeters,
                w.stats(LAST_LOOK_TIMEOUT).orTimeout(guardMillis(LAST_LOOK_TIMEOUT), TimeUnit.MILLISECONDS));
        CompletableFuture.allOf(t.meters, t.stats).handle((ignored, failure) -> {
            synchronized (this) {
                if (!departedWorkers.contains(w.id())) { // a scrape meanwhile may have seen it gone
                    labelOfWorker.put(w.id(), t.label);
                    take(t, slots.computeIfAbsent(t.label, l -> new Slot()), new ArrayList<>());
                }
            }
            return null;
        });
    }

    private synchronized Collected combine(List<SupervisedWorker> kept, List<Target> targets,
            CompletableFuture<ClusterStats> snapshot) {
        List<String> comments = new ArrayList<>();
        Map<Integer, Target> currentOfLabel = new TreeMap<>();
        Map<Integer, List<Point>> gaugesOfLabel = new TreeMap<>();
        Map<Integer, Set<Source>> answeredOfLabel = new HashMap<>();
        Set<Integer> alive = new HashSet<>();
        int errors = 0;
        for (Target t : targets) {
            int id = t.worker.id();
            alive.add(id);
            if (supervisor != null) {
                labelOfWorker.put(id, t.label);
            }
            List<Point> gauges = new ArrayList<>();
            Taken taken = take(t, slots.computeIfAbsent(t.label, l -> new Slot()), gauges);
            if (taken.metersFailure() != null) {
                errors++;
                comments.add("jcluster: worker " + t.label + " (id " + id + ", pid " + t.worker.pid() + ") left out of"
                        + " this scrape: " + reason(taken.metersFailure()));
            }
            if (t.current) {
                gaugesOfLabel.computeIfAbsent(t.label, l -> new ArrayList<>()).addAll(gauges);
                currentOfLabel.put(t.label, t);
                answeredOfLabel.put(t.label, taken.answered());
                gaugesOfLabel.computeIfAbsent(t.label, l -> new ArrayList<>())
                        .add(JclusterFigures.info(t.worker));
            }
        }
        departWorkersGone(alive);

        List<Series> emitted = new ArrayList<>();
        for (Map.Entry<Integer, Slot> e : new TreeMap<>(slots).entrySet()) {
            int label = e.getKey();
            Set<Source> answered = currentOfLabel.containsKey(label) ? answeredOfLabel.get(label) : Set.of(Source.values());
            for (Point p : cumulative(e.getValue())) {
                if (answered.contains(p.source)) {
                    emitted.add(new Series(label, p));
                }
            }
            for (Point p : gaugesOfLabel.getOrDefault(label, List.of())) {
                emitted.add(new Series(label, p));
            }
        }
        if (kept != null) {
            for (SupervisedWorker position : kept) {
                emitted.add(new Series(position.slot() + 1, JclusterFigures.restarts(position.restarts())));
            }
        }
        if (!snapshot.isCompletedExceptionally()) {
            // The primary's own counts of each server: no worker's, so nothing to carry over.
            for (ServerStats server : snapshot.join().servers()) {
                for (Point p : JclusterFigures.of(server)) {
                    emitted.add(new Series(CLUSTER_WIDE, p));
                }
            }
        }
        return new Collected(emitted, comments, currentOfLabel.size(), errors);
    }

    /** What a target answered: the sources that did, and why its meters did not (null when they did). */
    private record Taken(Set<Source> answered, RuntimeException metersFailure) {
    }

    /**
     * A target's answers: its cumulative points become its last values in {@code slot} (never lower than
     * before), its gauges go to {@code gauges}.
     */
    private Taken take(Target t, Slot slot, List<Point> gauges) {
        Map<Key, Point> last = slot.lastOfWorker.computeIfAbsent(t.worker.id(), i -> new HashMap<>());
        List<Point> fresh = new ArrayList<>();
        Set<Source> answered = new HashSet<>();
        RuntimeException metersFailure = null;
        try {
            fresh.addAll(meterPoints(t.meters.join()));
            answered.add(Source.METERS);
        } catch (RuntimeException e) {
            metersFailure = e;
        }
        try {
            fresh.addAll(JclusterFigures.of(t.stats.join()));
            answered.add(Source.STATS);
        } catch (RuntimeException e) {
            // The primary's own figures fail only with the worker gone; its departure is in the next scrape.
        }
        for (Point p : fresh) {
            if (p.cumulative) {
                // Never backwards: an answer overtaken by a later one must not lower the sum.
                if (!Double.isNaN(p.value)) {
                    last.merge(p.key(), p, (old, now) -> now.value >= old.value ? now : old);
                }
            } else {
                gauges.add(p);
            }
        }
        return new Taken(answered, metersFailure);
    }

    private static String render(Collected collected) {
        Exposition out = new Exposition();
        JclusterFigures.declare(out);
        collected.comments().forEach(out::comment);
        List<Series> series = new ArrayList<>(collected.series());
        // jcluster's families were declared first and keep that order; the program's follow them, by name.
        series.sort(Comparator.comparing((Series x) -> x.point.source == Source.METERS ? x.point.family : ""));
        Set<String> conflictsNamed = new HashSet<>();
        for (Series x : series) {
            Map<String, String> labels = new LinkedHashMap<>();
            if (x.label != CLUSTER_WIDE) {
                labels.put("worker", Integer.toString(x.label));
            }
            labels.putAll(x.point.labels);
            Type existing = out.add(x.point.family, x.point.type, x.point.help, new Sample(x.point.sample, labels, x.point.value));
            if (existing != null && conflictsNamed.add(x.point.family + "/" + x.label)) {
                out.comment("jcluster: worker " + x.label + "'s " + x.point.family + " is a " + x.point.type.text()
                        + ", but a " + existing.text() + " elsewhere: left out (one name has one type)");
            }
        }
        String workers = JclusterFigures.WORKERS.family();
        out.add(workers, Type.GAUGE, null, new Sample(workers, Map.of(), collected.workers()));
        String errors = JclusterFigures.SCRAPE_ERRORS.family();
        out.add(errors, Type.GAUGE, null, new Sample(errors, Map.of(), collected.errors()));
        return out.render(SAMPLE_ORDER);
    }

    /** By worker, then each label set's samples together (a histogram's buckets by bound, then count and sum). */
    private static final Comparator<Sample> SAMPLE_ORDER = Comparator
            .comparingInt((Sample s) -> s.labels().containsKey("worker") ? Integer.parseInt(s.labels().get("worker")) : 0)
            .thenComparing(s -> withoutBound(s.labels()))
            .thenComparing(Sample::name)
            .thenComparingDouble(s -> bound(s.labels()));

    private static String withoutBound(Map<String, String> labels) {
        Map<String, String> rest = new LinkedHashMap<>(labels);
        rest.remove("le");
        return rest.toString();
    }

    private static double bound(Map<String, String> labels) {
        String le = labels.get("le");
        if (le == null) {
            return 0;
        }
        try {
            return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        } catch (NumberFormatException e) {
            return 0; // a program's own tag of that name
        }
    }

    /** The slot's cumulative series: what departed workers left, plus the last values of those still here. */
    private static List<Point> cumulative(Slot slot) {
        Map<Key, Point> sum = new LinkedHashMap<>(slot.departed);
        for (Map<Key, Point> last : slot.lastOfWorker.values()) {
            last.forEach((key, p) -> sum.merge(key, p, (a, b) -> a.withValue(a.value + b.value)));
        }
        return new ArrayList<>(sum.values());
    }

    /**
     * Workers no longer here: under a supervisor their last values become their slot's for good; without one
     * their series end with them.
     */
    private void departWorkersGone(Set<Integer> alive) {
        for (Slot slot : slots.values()) {
            slot.lastOfWorker.entrySet().removeIf(e -> {
                if (alive.contains(e.getKey())) {
                    return false;
                }
                if (supervisor != null) {
                    e.getValue().forEach((key, p) -> slot.departed.merge(key, p, (a, b) -> a.withValue(a.value + b.value)));
                    departedWorkers.add(e.getKey());
                }
                return true;
            });
        }
        labelOfWorker.keySet().retainAll(alive);
        if (supervisor == null) {
            slots.values().removeIf(s -> s.lastOfWorker.isEmpty());
        }
    }

    private static String reason(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof TimeoutException) {
            return "no answer in time";
        }
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }

    /** The series of one worker's answer to {@link WorkerMeters#TOPIC} (see there for its form). */
    static List<Point> meterPoints(Object answer) {
        if (!(answer instanceof List<?> meters)) {
            throw new IllegalStateException("its answer to " + WorkerMeters.TOPIC + " is not a list of meters");
        }
        List<Point> points = new ArrayList<>();
        for (Object m : meters) {
            if (m instanceof Map<?, ?> meter && meter.get("name") instanceof String name
                    && meter.get("type") instanceof String type && !isHistogramGauge(meter, name)) {
                addMeter(points, meter, name, type);
            }
        }
        return points;
    }

    /**
     * The gauges Micrometer adds for a histogram in a registry that does not keep histograms itself
     * ({@code <name>.histogram}, tagged {@code le}): the histogram carries its buckets itself here.
     */
    private static boolean isHistogramGauge(Map<?, ?> meter, String name) {
        return "gauge".equals(meter.get("type")) && name.endsWith(".histogram")
                && meter.get("tags") instanceof Map<?, ?> tags && tags.containsKey("le");
    }

    private static void addMeter(List<Point> points, Map<?, ?> meter, String name, String type) {
        String baseUnit = meter.get("baseUnit") instanceof String u ? u : null;
        String help = meter.get("description") instanceof String d ? d : null;
        String base = Exposition.baseName(name, type, baseUnit);
        Map<String, String> labels = new LinkedHashMap<>();
        if (meter.get("tags") instanceof Map<?, ?> tags) {
            tags.forEach((k, v) -> {
                String label = Exposition.labelName(String.valueOf(k));
                // The scrape's own label wins; the program's keeps its value under Prometheus's usual rename.
                labels.put(label.equals("worker") ? "exported_worker" : label, String.valueOf(v));
            });
        }
        switch (type) {
            case "counter" -> point(points, meter, "count", base + "_total", Type.COUNTER, help, base + "_total", labels, true);
            case "gauge" -> point(points, meter, "value", base, Type.GAUGE, help, base, labels, false);
            case "timer", "distribution_summary" -> {
                // With buckets a histogram (they add up across workers, as histogram_quantile needs); else a summary.
                Type kind = meter.get("buckets") instanceof List<?> buckets && !buckets.isEmpty() ? Type.HISTOGRAM : Type.SUMMARY;
                if (kind == Type.HISTOGRAM) {
                    addBuckets(points, (List<?>) meter.get("buckets"), number(meter.get("count")), base, help, labels);
                }
                point(points, meter, "count", base, kind, help, base + "_count", labels, true);
                point(points, meter, "sum", base, kind, help, base + "_sum", labels, true);
                point(points, meter, "max", base + "_max", Type.GAUGE, help, base + "_max", labels, false);
            }
            case "long_task_timer" -> {
                // Tasks running now: neither count nor sum accumulates, so they continue nothing.
                point(points, meter, "activeTasks", base, Type.SUMMARY, help, base + "_count", labels, false);
                point(points, meter, "duration", base, Type.SUMMARY, help, base + "_sum", labels, false);
                point(points, meter, "max", base + "_max", Type.GAUGE, help, base + "_max", labels, false);
            }
            default -> {
                if (meter.get("measurements") instanceof List<?> measurements) {
                    for (Object o : measurements) {
                        if (o instanceof Map<?, ?> m && m.get("statistic") instanceof String statistic) {
                            addStatistic(points, m, base, help, labels, statistic);
                        }
                    }
                }
            }
        }
    }

    /** A histogram's buckets, each with its {@code le} label, and the {@code +Inf} one (every value) last. */
    private static void addBuckets(List<Point> points, List<?> buckets, Double count, String base, String help,
            Map<String, String> tags) {
        for (Object o : buckets) {
            if (!(o instanceof Map<?, ?> bucket)) {
                continue;
            }
            Double le = number(bucket.get("le"));
            Double n = number(bucket.get("count"));
            if (le != null && !le.isInfinite() && n != null) {
                Map<String, String> labels = new LinkedHashMap<>(tags);
                labels.put("le", Exposition.bound(le));
                points.add(new Point(Source.METERS, base, Type.HISTOGRAM, help, base + "_bucket", labels, n, true));
            }
        }
        if (count != null) {
            Map<String, String> labels = new LinkedHashMap<>(tags);
            labels.put("le", "+Inf");
            points.add(new Point(Source.METERS, base, Type.HISTOGRAM, help, base + "_bucket", labels, count, true));
        }
    }

    /** A custom meter's statistic, as Micrometer's Prometheus registry writes it. */
    private static void addStatistic(List<Point> points, Map<?, ?> measurement, String base, String help,
            Map<String, String> tags, String statistic) {
        Map<String, String> labels = new LinkedHashMap<>(tags);
        labels.put("statistic", statistic);
        switch (statistic) {
            case "TOTAL", "TOTAL_TIME" -> point(points, measurement, "value", base + "_sum_total", Type.COUNTER, help,
                    base + "_sum_total", labels, true);
            case "COUNT" -> point(points, measurement, "value", base + "_total", Type.COUNTER, help, base + "_total",
                    labels, true);
            case "MAX" -> point(points, measurement, "value", base + "_max", Type.GAUGE, help, base + "_max", labels, false);
            case "ACTIVE_TASKS" -> point(points, measurement, "value", base + "_active_count", Type.GAUGE, help,
                    base + "_active_count", labels, false);
            case "DURATION" -> point(points, measurement, "value", base + "_duration_sum", Type.GAUGE, help,
                    base + "_duration_sum", labels, false);
            default -> point(points, measurement, "value", base + "_value", Type.GAUGE, help, base + "_value", labels, false);
        }
    }

    private static void point(List<Point> points, Map<?, ?> values, String field, String family, Type type, String help,
            String sample, Map<String, String> labels, boolean cumulative) {
        Double v = number(values.get(field));
        if (v != null) {
            points.add(new Point(Source.METERS, family, type, help, sample, labels, v, cumulative));
        }
    }

    /** A value as {@link WorkerMeters} sends it: a number, or the name of one JSON cannot carry. */
    private static Double number(Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof String s) {
            return switch (s) {
                case "NaN" -> Double.NaN;
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                default -> null;
            };
        }
        return null;
    }
}
