package org.jcluster.sched.none;

import org.jcluster.api.spi.SchedulingPolicy;

/** Operating-system scheduling. The connection dispatch itself arrives with shared servers. */
final class SharedPolicy implements SchedulingPolicy {
    @Override
    public String name() {
        return SharedPolicyProvider.NAME;
    }

    @Override
    public boolean primaryAccepts() {
        return false;
    }
}
