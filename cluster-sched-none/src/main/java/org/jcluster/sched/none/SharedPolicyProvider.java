package org.jcluster.sched.none;

import org.jcluster.api.spi.SchedulingPolicy;
import org.jcluster.api.spi.SchedulingPolicyProvider;

/** Provides the "none" scheduling policy. */
public final class SharedPolicyProvider implements SchedulingPolicyProvider {
    public static final String NAME = "none";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SchedulingPolicy create() {
        return new SharedPolicy();
    }
}
