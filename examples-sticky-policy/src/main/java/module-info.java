/**
 * Scheduling policy "sticky": every connection from one client address goes to the same worker. A
 * worked example of a third-party policy: it depends on {@code jcluster.api} alone, exports nothing,
 * and is found by name through {@link java.util.ServiceLoader}, on the module path (the
 * {@code provides} below) or on the class path (its {@code META-INF/services} file).
 *
 * <p>Select it in the primary with {@code Cluster.get().schedulingPolicy("sticky")} or the
 * environment variable {@code JCLUSTER_SCHED_POLICY=sticky}.
 */
module jcluster.examples.sticky {
    requires jcluster.api;

    provides org.jcluster.api.spi.SchedulingPolicyProvider with org.jcluster.examples.sticky.StickyPolicyProvider;
}
