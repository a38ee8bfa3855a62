package org.jcluster.agent.internal;

import java.lang.instrument.Instrumentation;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jcluster.api.Cluster;
import org.jcluster.metrics.micrometer.WorkerMeters;

/**
 * Answers the primary's {@link WorkerMeters#TOPIC} with the program's Micrometer global registry
 * ({@code io.micrometer.core.instrument.Metrics.globalRegistry}, which Spring Boot fills too), read from
 * whichever class loader loaded Micrometer: the program's own (its class path, Spring Boot's nested jars).
 * A program that has not loaded Micrometer has no meters: an empty list.
 */
final class ProgramMeters {
    private static final String METRICS = "io.micrometer.core.instrument.Metrics";

    private final Instrumentation instrumentation;
    /** Found once, then kept (weakly: the program's loader may go); looked for again at each ask until then. */
    private volatile List<WeakReference<Class<?>>> found = List.of();

    private ProgramMeters(Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
    }

    static void answer(Cluster cluster, Instrumentation instrumentation) {
        ProgramMeters meters = new ProgramMeters(instrumentation);
        cluster.answer(WorkerMeters.TOPIC, meters::snapshot);
    }

    private List<Map<String, Object>> snapshot() {
        List<Map<String, Object>> all = new ArrayList<>();
        for (Class<?> metrics : metricsClasses()) {
            try {
                all.addAll(WorkerMeters.snapshot(metrics.getField("globalRegistry").get(null)));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(METRICS + " in " + metrics.getClassLoader() + " has no readable"
                        + " globalRegistry: " + e, e);
            }
        }
        return all;
    }

    private List<Class<?>> metricsClasses() {
        List<Class<?>> classes = new ArrayList<>();
        for (WeakReference<Class<?>> ref : found) {
            Class<?> c = ref.get();
            if (c != null) {
                classes.add(c);
            }
        }
        if (!classes.isEmpty()) {
            return classes;
        }
        // Micrometer is loaded by the program, late, from a loader of its choosing: look among what is loaded.
        List<WeakReference<Class<?>>> refs = new ArrayList<>();
        for (Class<?> c : instrumentation.getAllLoadedClasses()) {
            if (c.getName().equals(METRICS)) {
                classes.add(c);
                refs.add(new WeakReference<>(c));
            }
        }
        found = refs;
        return classes;
    }
}
