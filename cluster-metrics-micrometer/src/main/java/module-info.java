/**
 * Micrometer meters across a jcluster cluster: each worker shares its registry's meters
 * ({@link org.jcluster.metrics.micrometer.WorkerMeters}), and the primary collects them over IPC into one
 * Prometheus text exposition with a {@code worker} label
 * ({@link org.jcluster.metrics.micrometer.ClusterScraper}), counters continuing across a worker's replacement;
 * {@link org.jcluster.metrics.micrometer.WorkerStatsBinder} puts jcluster's per-worker figures in a primary's
 * own registry.
 */
module jcluster.metrics.micrometer {
    requires transitive jcluster.api;
    requires transitive jcluster.supervisor;
    // Only WorkerMeters.share(Cluster, MeterRegistry) and WorkerStatsBinder name it, and a program calling them has
    // it: ClusterScraper runs without Micrometer, and the meters themselves are read by reflection, from any class
    // loader.
    requires static transitive micrometer.core;

    exports org.jcluster.metrics.micrometer;
}
