package org.jcluster.api.spi;

/**
 * A way of spreading connections over workers, found by {@link #name()} through ServiceLoader
 * ("rr" in {@code jcluster.sched.rr}, "none" in {@code jcluster.sched.none}).
 */
public interface SchedulingPolicyProvider {
    /** The name users select it by, e.g. "rr". */
    String name();

    SchedulingPolicy create();
}
