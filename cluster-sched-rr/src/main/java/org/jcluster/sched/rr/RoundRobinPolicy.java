package org.jcluster.sched.rr;

import org.jcluster.api.spi.SchedulingPolicy;

/** Round-robin scheduling. The connection dispatch itself arrives with shared servers. */
final class RoundRobinPolicy implements SchedulingPolicy {
    @Override
    public String name() {
        return RoundRobinPolicyProvider.NAME;
    }

    @Override
    public boolean primaryAccepts() {
        return true;
    }
}
