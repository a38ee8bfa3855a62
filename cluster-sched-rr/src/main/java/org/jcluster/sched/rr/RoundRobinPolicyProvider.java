package org.jcluster.sched.rr;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;

/** Provides the "rr" scheduling policy. */
public final class RoundRobinPolicyProvider implements SchedulingPolicyProvider {
    public static final String NAME = "rr";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SchedulingPolicy create() {
        return new RoundRobinPolicy();
    }
}
