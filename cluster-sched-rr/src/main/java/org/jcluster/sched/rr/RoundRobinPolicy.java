package org.jcluster.sched.rr;

import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.SchedulingPolicy;

/**
 * Round-robin scheduling, Node's default: the primary accepts each connection and hands it to the
 * next idle worker ({@link RoundRobinDispatcher}).
 */
final class RoundRobinPolicy implements SchedulingPolicy {
    @Override
    public String name() {
        return RoundRobinPolicyProvider.NAME;
    }

    @Override
    public boolean primaryAccepts() {
        return true;
    }

    @Override
    public ConnectionDispatcher newDispatcher(DispatchContext context) {
        return new RoundRobinDispatcher(context);
    }
}
