package org.jcluster.metrics.micrometer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;

import org.jcluster.api.Cluster;
import org.jcluster.api.Registration;

/**
 * Worker side: what this worker's Micrometer registry holds, for the primary's {@link ClusterScraper}.
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();      // or the application's own
 * WorkerMeters.share(Cluster.get(), registry);
 * }</pre>
 *
 * <p>The answer to {@link #TOPIC} is a list with one map per meter, plain data that any serialization
 * carries:
 * <ul>
 * <li>{@code name}: Micrometer's name ({@code "http.server.requests"}); {@code type}: {@code counter},
 *     {@code gauge}, {@code timer}, {@code distribution_summary}, {@code long_task_timer} or {@code other}
 *     (Micrometer's {@code Meter.Type}); {@code tags}: a map of tag to value; {@code baseUnit} and
 *     {@code description} when the meter has them;</li>
 * <li>the values, time always in seconds: {@code count} for a counter (and a function counter);
 *     {@code count}, {@code sum} and {@code max} for a timer ({@code baseUnit} {@code "seconds"}) and a
 *     distribution summary, without {@code max} for a function timer, and {@code buckets} when the timer or
 *     summary keeps a histogram (percentile histogram or service level objectives): a list of
 *     {@code {le, count}}, each bucket's upper bound (seconds for a timer) and the values recorded up to it,
 *     as Micrometer's cumulative registries count them; {@code value} for a gauge (a time
 *     gauge in seconds); {@code activeTasks}, {@code duration} and {@code max} for a long task timer;
 *     {@code measurements}, a list of {@code {statistic, value}} ({@code statistic}: Micrometer's
 *     {@code Statistic} constant, {@code "TOTAL"}, {@code "COUNT"}, ...), for any other meter.</li>
 * </ul>
 * A value that is not finite travels as the string {@code "NaN"}, {@code "+Inf"} or {@code "-Inf"} (JSON has
 * no such numbers); a meter whose reading throws (a gauge's function, say) is left out of that answer.
 *
 * <p>The meters are read through Micrometer's public interfaces by reflection, from the registry's own class
 * loader: {@link #snapshot(Object)} reads a registry this code did not link against, which is how the
 * launcher's agent, in a class loader of its own, reads the unmodified program's
 * {@code Metrics.globalRegistry}.
 */
public final class WorkerMeters {
    /** The topic the primary asks ({@code worker.ask(TOPIC, timeout)}). */
    public static final String TOPIC = "jcluster.meters";

    private static final String REGISTRY = "io.micrometer.core.instrument.MeterRegistry";

    /** Micrometer's interfaces and methods as one class loader has them: looked up once per loader. */
    private static final ClassValue<Api> API = new ClassValue<>() {
        @Override
        protected Api computeValue(Class<?> registryClass) {
            try {
                return new Api(registryClass);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("this Micrometer lacks a method jcluster reads: " + e.getMessage()
                        + "; jcluster reads Micrometer 1.x's public interfaces", e);
            }
        }
    };

    private WorkerMeters() {
    }

    /**
     * Answers the primary's {@link #TOPIC} with a snapshot of {@code registry}, taken on this worker's event
     * thread at each ask.
     *
     * @return removes the answer
     * @throws IllegalStateException on the primary: this is a worker's call
     */
    public static Registration share(Cluster cluster, MeterRegistry registry) {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(registry, "registry");
        return cluster.answer(TOPIC, () -> snapshot(registry));
    }

    /**
     * The meters of {@code registry}, a Micrometer {@code MeterRegistry} from any class loader, as the plain
     * data described above, in the registry's order.
     *
     * @throws IllegalArgumentException when {@code registry} is not a Micrometer {@code MeterRegistry}
     */
    public static List<Map<String, Object>> snapshot(Object registry) {
        Objects.requireNonNull(registry, "registry");
        Api api = API.get(registryClassOf(registry));
        List<?> meters = (List<?>) api.call(api.getMeters, registry);
        List<Map<String, Object>> snapshot = new ArrayList<>(meters.size());
        for (Object meter : meters) {
            try {
                snapshot.add(api.read(meter));
            } catch (RuntimeException unreadable) {
                // One meter's failing function must not cost the others: it is left out of this answer.
            }
        }
        return snapshot;
    }

    private static Class<?> registryClassOf(Object registry) {
        for (Class<?> c = registry.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(REGISTRY)) {
                return c;
            }
        }
        throw new IllegalArgumentException(registry.getClass().getName() + " is not a Micrometer " + REGISTRY
                + ": pass the application's registry (for instance Metrics.globalRegistry)");
    }

    /** A double as the plain data carries it: JSON has no NaN or infinities. */
    static Object number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        return value;
    }

    private static final class Api {
        final Method getMeters;
        final Method getId;
        final Method idName;
        final Method idType;
        final Method idBaseUnit;
        final Method idDescription;
        final Method idTags;
        final Method tagKey;
        final Method tagValue;
        final Method measure;
        final Method statistic;
        final Method measurementValue;
        final Class<?> counter;
        final Method counterCount;
        final Class<?> functionCounter;
        final Method functionCounterCount;
        final Class<?> timer;
        final Class<?> functionTimer;
        final Method functionTimerCount;
        final Method functionTimerTotalTime;
        final Class<?> summary;
        final Class<?> longTaskTimer;
        final Method activeTasks;
        final Method duration;
        final Method longTaskMax;
        final Class<?> timeGauge;
        final Method timeGaugeValue;
        final Class<?> gauge;
        final Method gaugeValue;
        final Method takeSnapshot;
        final Method snapshotCount;
        final Method snapshotTotal;
        final Method snapshotTotalIn;
        final Method snapshotMax;
        final Method snapshotMaxIn;
        final Method histogramCounts;
        final Method bucketCount;
        final Method bucketBound;
        final Method bucketBoundIn;

        Api(Class<?> registry) throws ReflectiveOperationException {
            ClassLoader loader = registry.getClassLoader();
            Class<?> meter = load("Meter", loader);
            Class<?> id = load("Meter$Id", loader);
            Class<?> tag = load("Tag", loader);
            Class<?> measurement = load("Measurement", loader);
            getMeters = registry.getMethod("getMeters");
            getId = meter.getMethod("getId");
            idName = id.getMethod("getName");
            idType = id.getMethod("getType");
            idBaseUnit = id.getMethod("getBaseUnit");
            idDescription = id.getMethod("getDescription");
            idTags = id.getMethod("getTags");
            tagKey = tag.getMethod("getKey");
            tagValue = tag.getMethod("getValue");
            measure = meter.getMethod("measure");
            statistic = measurement.getMethod("getStatistic");
            measurementValue = measurement.getMethod("getValue");
            counter = load("Counter", loader);
            counterCount = counter.getMethod("count");
            functionCounter = load("FunctionCounter", loader);
            functionCounterCount = functionCounter.getMethod("count");
            timer = load("Timer", loader);
            functionTimer = load("FunctionTimer", loader);
            functionTimerCount = functionTimer.getMethod("count");
            functionTimerTotalTime = functionTimer.getMethod("totalTime", TimeUnit.class);
            summary = load("DistributionSummary", loader);
            longTaskTimer = load("LongTaskTimer", loader);
            activeTasks = longTaskTimer.getMethod("activeTasks");
            duration = longTaskTimer.getMethod("duration", TimeUnit.class);
            longTaskMax = longTaskTimer.getMethod("max", TimeUnit.class);
            timeGauge = load("TimeGauge", loader);
            timeGaugeValue = timeGauge.getMethod("value", TimeUnit.class);
            gauge = load("Gauge", loader);
            gaugeValue = gauge.getMethod("value");
            takeSnapshot = load("distribution.HistogramSupport", loader).getMethod("takeSnapshot");
            Class<?> snapshot = load("distribution.HistogramSnapshot", loader);
            snapshotCount = snapshot.getMethod("count");
            snapshotTotal = snapshot.getMethod("total");
            snapshotTotalIn = snapshot.getMethod("total", TimeUnit.class);
            snapshotMax = snapshot.getMethod("max");
            snapshotMaxIn = snapshot.getMethod("max", TimeUnit.class);
            histogramCounts = snapshot.getMethod("histogramCounts");
            Class<?> countAtBucket = load("distribution.CountAtBucket", loader);
            bucketCount = countAtBucket.getMethod("count");
            bucketBound = countAtBucket.getMethod("bucket");
            bucketBoundIn = countAtBucket.getMethod("bucket", TimeUnit.class);
        }

        private static Class<?> load(String simpleName, ClassLoader loader) throws ClassNotFoundException {
            return Class.forName("io.micrometer.core.instrument." + simpleName, false, loader);
        }

        Map<String, Object> read(Object meter) {
            Object id = call(getId, meter);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", call(idName, id));
            m.put("type", call(idType, id).toString().toLowerCase(Locale.ROOT));
            Map<String, Object> tags = new LinkedHashMap<>();
            for (Object t : (Iterable<?>) call(idTags, id)) {
                tags.put((String) call(tagKey, t), call(tagValue, t));
            }
            m.put("tags", tags);
            Object baseUnit = call(idBaseUnit, id);
            if (baseUnit != null) {
                m.put("baseUnit", baseUnit);
            }
            Object description = call(idDescription, id);
            if (description != null) {
                m.put("description", description);
            }
            // Most specific first: a TimeGauge is a Gauge.
            if (counter.isInstance(meter)) {
                m.put("count", number(doubleOf(counterCount, meter)));
            } else if (functionCounter.isInstance(meter)) {
                m.put("count", number(doubleOf(functionCounterCount, meter)));
            } else if (timer.isInstance(meter)) {
                m.put("baseUnit", "seconds");
                putDistribution(m, meter, true);
            } else if (functionTimer.isInstance(meter)) {
                m.put("baseUnit", "seconds");
                m.put("count", number(doubleOf(functionTimerCount, meter)));
                m.put("sum", number(doubleOf(functionTimerTotalTime, meter, TimeUnit.SECONDS)));
            } else if (summary.isInstance(meter)) {
                putDistribution(m, meter, false);
            } else if (longTaskTimer.isInstance(meter)) {
                m.put("baseUnit", "seconds");
                m.put("activeTasks", call(activeTasks, meter));
                m.put("duration", number(doubleOf(duration, meter, TimeUnit.SECONDS)));
                m.put("max", number(doubleOf(longTaskMax, meter, TimeUnit.SECONDS)));
            } else if (timeGauge.isInstance(meter)) {
                m.put("baseUnit", "seconds");
                m.put("value", number(doubleOf(timeGaugeValue, meter, TimeUnit.SECONDS)));
            } else if (gauge.isInstance(meter)) {
                m.put("value", number(doubleOf(gaugeValue, meter)));
            } else {
                List<Map<String, Object>> measurements = new ArrayList<>();
                for (Object measurement : (Iterable<?>) call(measure, meter)) {
                    Map<String, Object> one = new LinkedHashMap<>();
                    // The constant's name, as Micrometer's Prometheus registry puts it in its statistic label.
                    one.put("statistic", call(statistic, measurement).toString());
                    one.put("value", number(doubleOf(measurementValue, measurement)));
                    measurements.add(one);
                }
                m.put("measurements", measurements);
            }
            return m;
        }

        /**
         * A timer's or summary's count, sum, max and buckets, all from one snapshot (read apart, a value
         * recorded between two reads would put a bucket above the count); time in seconds.
         */
        private void putDistribution(Map<String, Object> m, Object meter, boolean time) {
            Object snapshot = call(takeSnapshot, meter);
            m.put("count", call(snapshotCount, snapshot));
            m.put("sum", number(time ? doubleOf(snapshotTotalIn, snapshot, TimeUnit.SECONDS) : doubleOf(snapshotTotal, snapshot)));
            m.put("max", number(time ? doubleOf(snapshotMaxIn, snapshot, TimeUnit.SECONDS) : doubleOf(snapshotMax, snapshot)));
            Object[] counts = (Object[]) call(histogramCounts, snapshot);
            if (counts.length == 0) {
                return;
            }
            List<Map<String, Object>> buckets = new ArrayList<>(counts.length);
            for (Object bucket : counts) {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("le", number(time ? doubleOf(bucketBoundIn, bucket, TimeUnit.SECONDS) : doubleOf(bucketBound, bucket)));
                one.put("count", number(doubleOf(bucketCount, bucket)));
                buckets.add(one);
            }
            m.put("buckets", buckets);
        }

        private double doubleOf(Method method, Object target, Object... arguments) {
            return ((Number) call(method, target, arguments)).doubleValue();
        }

        Object call(Method method, Object target, Object... arguments) {
            try {
                return method.invoke(target, arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read Micrometer's " + method + ": " + e.getMessage(), e);
            }
        }
    }
}
