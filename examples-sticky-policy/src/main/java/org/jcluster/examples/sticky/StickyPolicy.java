package org.jcluster.examples.sticky;

import org.jcluster.api.spi.ConnectionDispatcher;
import org.jcluster.api.spi.DispatchContext;
import org.jcluster.api.spi.SchedulingPolicy;

/**
 * Sticky scheduling: the primary accepts (so that it sees every client's address) and a
 * {@link StickyDispatcher} per shared server picks the worker. Stateless itself: each shared server
 * gets a dispatcher of its own.
 */
final class StickyPolicy implements SchedulingPolicy {
    @Override
    public String name() {
        return StickyPolicyProvider.NAME;
    }

    /** True: only a primary that accepts knows the client's address before a worker is chosen. */
    @Override
    public boolean primaryAccepts() {
        return true;
    }

    @Override
    public ConnectionDispatcher newDispatcher(DispatchContext context) {
        return new StickyDispatcher(context);
    }
}
